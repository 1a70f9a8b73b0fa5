import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ProblemSchema } from './problems.ts';
import { bodyDefaultsToEmpty } from './validation.ts';

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

const SHARED = {
  400: 'The request is invalid: a field is missing, of the wrong type, out of range or unknown',
  401: 'No token, or a token that does not verify',
  403: 'The token is valid but has no admin role',
  413: 'The body is larger than 1 MiB',
  500: 'An internal error; the body gives the request id',
};

/** The error responses a route declares itself: `errors(404, 409)` in its schema's `response`. */
export function errors(...statuses: (404 | 409 | 401 | 403 | 400 | 429 | 503)[]) {
  const responses: Record<number, ReturnType<typeof problemResponse>> = {};
  for (const status of statuses) responses[status] = problemResponse(DESCRIPTIONS[status] ?? 'Error');
  return responses;
}

const DESCRIPTIONS: Record<number, string> = {
  ...SHARED,
  404: 'Not found',
  409: 'Conflict with the current state',
  429: 'Too many failed attempts',
  503: 'Not available now, or not on this server',
};

// Marks, through the generated document, the operations whose body may be left out.
const OPTIONAL_BODY = 'x-optional-body';

interface OpenApiDocument {
  paths?: Record<string, Record<string, { requestBody?: { required?: boolean }; [OPTIONAL_BODY]?: boolean }>>;
}

function markOptionalBodies(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      if (!operation[OPTIONAL_BODY]) continue;
      delete operation[OPTIONAL_BODY];
      if (operation.requestBody) operation.requestBody.required = false;
    }
  }
  return document;
}

const isProtected = (url: string) => url.startsWith('/api/admin') || url.startsWith('/api/v1');

/**
 * Adds, in one place, the error responses every route shares (and the bearer requirement of the
 * admin routes) to each route's schema, so that /openapi.json lists them without each route
 * repeating them.
 */
function addSharedResponses(route: RouteOptions): void {
  if (!route.schema || route.schema.hide) return;
  const schema = route.schema as Record<string, unknown> & { response?: Record<string | number, unknown> };
  const response = (schema.response ??= {});
  const add = (status: keyof typeof SHARED) => {
    response[status] ??= problemResponse(SHARED[status]);
  };
  if (schema.body || schema.querystring || schema.params) add(400);
  if (schema.body) add(413);
  if ([route.preValidation].flat().includes(bodyDefaultsToEmpty)) schema[OPTIONAL_BODY] = true;
  if (isProtected(route.url)) {
    add(401);
    add(403);
    schema.security ??= [{ bearerAuth: [] }];
  }
  add(500);
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
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
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      tags: [
        { name: 'auth', description: 'Sign in' },
        { name: 'vehicles' },
        { name: 'technicians' },
        { name: 'assignments', description: 'Fleet assignments: a vehicle held by a technician until returned' },
        { name: 'users' },
        { name: 'projects' },
        { name: 'project-assignments', description: 'Users (Employee or Dev) on projects' },
        { name: 'service', description: 'Health, readiness, metrics' },
      ],
    },
    transformObject: (document) =>
      'openapiObject' in document ? markOptionalBodies(document.openapiObject as OpenApiDocument) : document.swaggerObject,
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  app.get('/openapi.json', { schema: { tags: ['service'], summary: 'This document' } }, async () => app.swagger());
  // Served from the installed package: no CDN, so it works on a closed network.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { url: '/openapi.json' } as object });
}
