import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { testApp, testDatabase } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { MISSING_ID, createVehicle } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

describe('GET /healthz', () => {
  it('is 200 { status: "ok" } without a token', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('is 200 while the database answers', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('is 503 not-ready once the database is gone, while /healthz stays 200', async () => {
    const database = await testDatabase();
    const doomed = await testApp({ database });
    try {
      expect((await doomed.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      await database.close();
      const response = await doomed.app.inject({ method: 'GET', url: '/readyz' });
      expectProblem(response, 503, 'not-ready');
      expect((await doomed.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await doomed.close();
    }
  });
});

describe('GET /metrics', () => {
  it('counts requests by method, route pattern and status, and times them', async () => {
    const vehicle = await createVehicle(t);
    await t.request('GET', `/api/admin/vehicles/${vehicle.id}`);
    await t.request('GET', `/api/admin/vehicles/${MISSING_ID}`);
    await t.app.inject({ method: 'GET', url: '/no/such/thing' });

    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/api\/admin\/vehicles\/:id",status="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/api\/admin\/vehicles\/:id",status="404"\} [1-9]\d*$/m);
    expect(text).toMatch(/^http_requests_total\{method="POST",route="\/api\/admin\/vehicles",status="201"\} [1-9]\d*$/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{.*route="\/api\/admin\/vehicles\/:id".*\} \d+$/m);
    // Ids in paths never become labels: the label set stays bounded.
    expect(text).not.toContain(`/api/admin/vehicles/${vehicle.id}"`);
    expect(text).not.toContain('/no/such/thing');
  });
});

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}
interface Schema {
  $ref?: string;
  type?: string | string[];
  maxLength?: number;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, Schema> };
}

/** Every route the app serves, read from Fastify's own route tree. */
function routesOf(app: App): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([\s│├└─]*)([^\s│├└─][^(]*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    prefixes.length = depth;
    const url = prefixes.slice(0, depth).join('') + match[2]!;
    prefixes[depth] = match[2]!;
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, url });
  }
  return routes;
}

/** "/api/admin/vehicles/:id/" → "/api/admin/vehicles/{id}" */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1');

describe('GET /openapi.json', () => {
  let doc: OpenApiDocument;
  beforeAll(async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    doc = response.json<OpenApiDocument>();
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );

  it('is OpenAPI 3.1', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('documents every /api route and every service endpoint the server serves', () => {
    const service = ['/healthz', '/readyz', '/metrics', '/openapi.json'];
    const served = routesOf(t.app).filter((r) => (r.url.startsWith('/api/') || service.includes(r.url)) && r.method !== 'HEAD');
    expect(served.filter((r) => service.includes(r.url))).toHaveLength(4);
    expect(served.length).toBeGreaterThanOrEqual(14);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${openApiPath(path)}`)),
    );
    const missing = served.map((r) => `${r.method} ${openApiPath(r.url)}`).filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });

  it('documents each Fleet route with its success and error statuses', () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path]?.[method]?.responses ?? {}).sort();
    expect(statuses('/api/admin/vehicles', 'get')).toEqual(['200', '400', '401', '403', '500', '503']);
    expect(statuses('/api/admin/vehicles', 'post')).toEqual(['201', '400', '401', '403', '409', '413', '415', '422', '500', '503']);
    expect(statuses('/api/admin/vehicles/{id}', 'delete')).toEqual([
      '204',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '414',
      '415',
      '500',
      '503',
    ]);
    expect(statuses('/api/admin/technicians/{id}', 'patch')).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '414',
      '415',
      '500',
      '503',
    ]);
    expect(statuses('/api/admin/assignments', 'post')).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '422',
      '500',
      '503',
    ]);
    expect(statuses('/api/admin/assignments/{id}/return', 'patch')).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '414',
      '415',
      '500',
      '503',
    ]);
    expect(statuses('/api/auth/login', 'post')).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
  });

  it('declares the bearerAuth scheme and requires it on every admin route, not on login', () => {
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const { path, operation } of operations()) {
      if (path.startsWith('/api/admin') || path.startsWith('/api/v1')) {
        expect(operation.security, path).toEqual([{ bearerAuth: [] }]);
      }
    }
    expect(doc.paths['/api/auth/login']?.post?.security).toEqual([]);
  });

  it('bounds every text field of every request body with maxLength', () => {
    const resolve = (schema: Schema): Schema =>
      schema.$ref ? resolve(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!) : schema;
    const unbounded: string[] = [];
    const visit = (schema: Schema, where: string) => {
      const s = resolve(schema);
      for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) visit(branch, where);
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (types.includes('string') && s.maxLength === undefined && !s.enum && s.const === undefined) {
        if (!['uuid', 'date', 'date-time'].includes(s.format ?? '')) unbounded.push(where);
      }
      for (const [name, property] of Object.entries(s.properties ?? {})) visit(property, `${where}.${name}`);
      if (s.items) visit(s.items, `${where}[]`);
    };
    let bodies = 0;
    for (const { path, method, operation } of operations()) {
      const schema = operation.requestBody?.content['application/json']?.schema;
      if (!schema || !path.startsWith('/api/')) continue;
      bodies++;
      visit(schema, `${method.toUpperCase()} ${path}`);
    }
    expect(bodies).toBeGreaterThanOrEqual(7);
    expect(unbounded).toEqual([]);
    const vehicle = doc.paths['/api/admin/vehicles']!.post!.requestBody!.content['application/json']!.schema;
    expect(resolve(vehicle).properties?.plateNumber?.maxLength).toBe(32);
  });

  it('marks the body of PATCH …/return optional and the others required', () => {
    const returnBody = doc.paths['/api/admin/assignments/{id}/return']!.patch!.requestBody as { required?: boolean };
    expect(returnBody.required).toBe(false);
    expect((doc.paths['/api/admin/assignments']!.post!.requestBody as { required?: boolean }).required).toBe(true);
    expect(JSON.stringify(doc)).not.toContain('x-optional-body');
  });

  it('describes errors as problem+json', () => {
    const conflict = doc.paths['/api/admin/assignments']?.post?.responses['409'] as { content: Record<string, unknown> };
    expect(Object.keys(conflict.content)).toEqual(['application/problem+json']);
  });
});

describe('GET /docs', () => {
  it('serves the interactive reference as HTML', async () => {
    let response = await t.app.inject({ method: 'GET', url: '/docs' });
    if (response.statusCode >= 300 && response.statusCode < 400) {
      response = await t.app.inject({ method: 'GET', url: new URL(String(response.headers.location), 'http://localhost/docs').pathname });
    }
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toMatch(/<html/i);
  });
});
