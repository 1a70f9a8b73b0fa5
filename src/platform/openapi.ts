import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { Type } from 'typebox';
import type { TSchema } from 'typebox';
import { ProblemSchema } from './problems.ts';
import { bodyDefaultsToEmpty } from './validation.ts';

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});

const SHARED = {
  400: 'The request is invalid: a field is missing, of the wrong type, out of range or unknown',
  401: 'No token, or a token that does not verify',
  403: 'The token is valid but has no admin role',
  413: 'The body is larger than 1 MiB',
  414: 'A path segment is longer than the server takes',
  415: 'The body is not sent as application/json',
  500: 'An internal error; the body gives the request id',
  503: 'Not available now (the database did not answer in time, or the server is shutting down); retry after Retry-After',
};

const DESCRIPTIONS: Record<number, string> = {
  ...SHARED,
  404: 'Not found',
  409: 'Conflict with the current state',
  422: 'The Idempotency-Key was used before with another request',
  429: 'Too many failed attempts',
  503: 'Not available now, or not on this server',
};

/** The error responses a route declares itself: `errors(404, 409)` in its schema's `response`. */
export function errors(...statuses: (400 | 401 | 403 | 404 | 409 | 422 | 429 | 503)[]) {
  const responses: Record<number, ReturnType<typeof problemResponse>> = {};
  for (const status of statuses) responses[status] = problemResponse(DESCRIPTIONS[status] ?? 'Error');
  return responses;
}

/** A 204: no body, so the document declares no content for it. */
export const noContent = (description: string) => Type.Null({ description });

/**
 * Route config for a path published with a trailing slash (`/api/v1/assignments/`): the server
 * answers with and without it, and the document lists it exactly as published.
 */
export const documentWithTrailingSlash = {
  swaggerTransform: ({ schema, url }: { schema: FastifySchema; url: string }) => ({ schema, url: `${url}/` }),
};

// Marks, through the generated document, the operations whose body may be left out.
const OPTIONAL_BODY = 'x-optional-body';

interface Operation {
  requestBody?: { required?: boolean };
  parameters?: { in: string; required?: boolean; schema?: { default?: unknown } }[];
  [OPTIONAL_BODY]?: boolean;
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
}

/**
 * What the generator cannot say from a route's schema: a body the route lets one leave out, and
 * query parameters the server defaults, which a client may therefore leave out too.
 */
function markOptionalParts(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      if (operation[OPTIONAL_BODY]) {
        delete operation[OPTIONAL_BODY];
        if (operation.requestBody) operation.requestBody.required = false;
      }
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'query' && parameter.schema?.default !== undefined) parameter.required = false;
      }
    }
  }
  return document;
}

const isProtected = (url: string) => url.startsWith('/api/admin') || url.startsWith('/api/v1');

/**
 * Adds, in one place, the error responses every route shares and its security (the bearer token
 * for the admin routes, none for the others) to each route's schema, so that /openapi.json lists
 * them without each route repeating them.
 */
function addSharedResponses(route: RouteOptions): void {
  if (!route.schema || route.schema.hide) return;
  const schema = route.schema as Record<string, unknown> & { response?: Record<string | number, unknown> };
  schema.response ??= {};
  const response = schema.response;
  const add = (status: keyof typeof SHARED) => {
    response[status] ??= problemResponse(SHARED[status]);
  };
  if (schema.body || schema.querystring || schema.params || schema.headers) add(400);
  // Fastify reads a body on these methods whether or not the route takes one: too large is 413,
  // another content type 415.
  const methods = [route.method].flat();
  if (schema.body || methods.some((method) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method))) {
    add(413);
    add(415);
  }
  if (schema.params) add(414);
  if ([route.preValidation].flat().includes(bodyDefaultsToEmpty)) schema[OPTIONAL_BODY] = true;
  if (isProtected(route.url)) {
    add(401);
    add(403);
    schema.security ??= [{ bearerAuth: [] }];
  } else {
    schema.security ??= [];
  }
  add(500);
  if (route.url.startsWith('/api/')) add(503);
}

/**
 * The document: every route's own schema, the shared error responses, and the named schemas
 * (`Problem` and each API object) once under components, referenced everywhere by `$ref`.
 */
export async function registerOpenApi(app: FastifyInstance, components: TSchema[]): Promise<void> {
  for (const schema of [ProblemSchema, ...components]) app.addSchema(schema);
  app.addHook('onRoute', addSharedResponses);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'allot',
        version: '0.1.0',
        description:
          'Who holds what, right now, and since when. The Fleet API (/api/admin) assigns vehicles to technicians; ' +
          'the Project API (/api/v1) assigns users to projects. Every error is RFC 9457 problem+json.',
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      tags: [
        { name: 'auth', description: 'Sign in with email and password for a bearer token' },
        { name: 'vehicles', description: 'Fleet vehicles: registered, changed, retired' },
        { name: 'technicians', description: 'Fleet technicians: registered, changed, retired' },
        { name: 'assignments', description: 'Fleet assignments: a vehicle held by a technician until returned' },
        { name: 'users', description: 'People who sign in or are assigned to projects' },
        { name: 'projects', description: 'Projects users are assigned to' },
        { name: 'project-assignments', description: 'Users (Employee or Dev) on projects' },
        { name: 'audit', description: 'Who changed what, when, in which request: every change of both APIs' },
        { name: 'service', description: 'Health, readiness, metrics and this document' },
      ],
    },
    transformObject: (document) =>
      'openapiObject' in document ? markOptionalParts(document.openapiObject as OpenApiDocument) : document.swaggerObject,
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'getOpenApiDocument',
        tags: ['service'],
        summary: 'This document',
        response: {
          200: {
            description: 'The OpenAPI 3.1 document of every route',
            content: { 'application/json': { schema: Type.Object({}, { additionalProperties: true }) } },
          },
        },
      },
    },
    async () => app.swagger(),
  );
  // Served from the installed package: no CDN, so it works on a closed network.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { url: '/openapi.json' } });
}
