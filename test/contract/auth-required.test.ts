import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { adminToken, testApp, unique } from '../support/app.ts';
import { HTTP_METHODS } from '../support/contract.ts';
import type { OpenApiDocument } from '../support/contract.ts';
import { MISSING_ID } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

// The table is the served document itself: a route added tomorrow is checked without anyone
// remembering to add it here.
const t = await testApp();
afterAll(() => t.close());

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  minItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}

const isProtected = (path: string) => path.startsWith('/api/admin/') || path.startsWith('/api/v1/');

const operations = Object.entries(t.document.paths)
  .filter(([path]) => isProtected(path))
  .flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => ({ method: method.toUpperCase(), path, operation: item[method]! })),
  );
/** [`METHOD /path`, operation]: the test names state the operation. */
const cases = operations.map((o) => [`${o.method} ${o.path}`, o] as const);

function resolve(document: OpenApiDocument, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return resolve(document, document.components!.schemas![name] as Schema);
}

/** A value the schema accepts, made up the way a client would: ids that exist nowhere, unique text. */
function example(schema: Schema, name = ''): unknown {
  const s = resolve(t.document, schema);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const branch = s.anyOf?.[0] ?? s.oneOf?.[0] ?? s.allOf?.[0];
  if (branch) return example(branch, name);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'integer':
    case 'number':
      return MISSING_ID;
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 0) }, () => example(s.items ?? {}, name));
    case 'object':
      return Object.fromEntries((s.required ?? []).map((key) => [key, example(s.properties?.[key] ?? {}, key)]));
    default:
      if (s.format === 'uuid' || name.endsWith('_id')) return randomUUID();
      if (s.format === 'email' || name.endsWith('email')) return `auth-${unique()}@example.test`;
      if (s.format === 'date') return '2026-01-01';
      return `auth-${unique()}`;
  }
}

function request(method: string, path: string, operation: (typeof operations)[number]['operation']) {
  const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const parameter = operation.parameters?.find((p) => p.in === 'path' && p.name === name);
    return encodeURIComponent(String(example(parameter?.schema ?? {}, name)));
  });
  const schema = operation.requestBody?.content?.['application/json']?.schema as Schema | undefined;
  return (headers: Record<string, string>) =>
    t.app.inject({ method: method as 'GET', url, headers, ...(schema ? { payload: example(schema) as object } : {}) });
}

describe('every /api/admin and /api/v1 operation of the document needs an administrator', () => {
  it('the document lists them with the bearer requirement, and every other operation as open', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
    for (const { method, path, operation } of operations) expect(operation.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
    const open = Object.entries(t.document.paths)
      .filter(([path]) => !isProtected(path))
      .flatMap(([path, item]) =>
        HTTP_METHODS.filter((method) => item[method]).map((method) => ({ path, security: item[method]!.security })),
      );
    expect(open.map((o) => o.path)).toContain('/api/auth/login');
    for (const { path, security } of open) expect(security, path).toEqual([]);
  });

  it.each(cases)('%s without a token is 401 with WWW-Authenticate: Bearer', async (_name, { method, path, operation }) => {
    const response = await request(method, path, operation)({});
    expectProblem(response, 401, 'unauthorized');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it.each(cases)('%s with a valid token without the admin role is 403', async (_name, { method, path, operation }) => {
    const token = await adminToken(`viewer-${unique()}`, ['viewer']);
    expectProblem(await request(method, path, operation)({ authorization: `Bearer ${token}` }), 403, 'forbidden');
  });

  it.each(cases)('%s with an admin token gets past the guard', async (_name, { method, path, operation }) => {
    const response = await request(method, path, operation)({ authorization: `Bearer ${await adminToken()}` });
    expect([401, 403], response.body).not.toContain(response.statusCode);
  });
});
