import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: { in: string; name: string; required?: boolean; schema?: { maximum?: number } }[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  servers?: { url: string }[];
  info: { license?: { name: string } };
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

let t: TestApp;
let document: Document;
let body: string;
beforeAll(async () => {
  t = await testApp();
  const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  body = response.body;
  document = response.json<Document>();
});
afterAll(() => t.close());

const operations = () =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );

describe('the OpenAPI document, as a client generator reads it', () => {
  it('gives every operation a distinct camelCase operationId', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.paths['/api/admin/assignments']?.post?.operationId).toBe('createFleetAssignment');
    expect(document.paths['/api/v1/assignments/']?.post?.operationId).toBe('createProjectAssignment');
  });

  it('lists the Project API assignment paths exactly as published, trailing slash included', () => {
    expect(Object.keys(document.paths['/api/v1/assignments/'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(document.paths['/api/v1/assignments']).toBeUndefined();
  });

  it('declares no content for a 204', () => {
    const noContent = operations().filter(({ operation }) => operation.responses['204']);
    expect(noContent.length).toBeGreaterThanOrEqual(5);
    for (const { operation } of noContent) expect(operation.responses['204']?.content).toBeUndefined();
  });

  it('makes the defaulted skip and limit optional, with a maximum for each', () => {
    for (const path of ['/api/v1/users', '/api/v1/projects', '/api/v1/assignments/']) {
      const parameters = document.paths[path]?.get?.parameters ?? [];
      for (const name of ['skip', 'limit']) {
        const parameter = parameters.find((p) => p.name === name);
        expect(parameter, `${path} ${name}`).toMatchObject({ in: 'query', required: false });
        expect(parameter?.schema?.maximum).toEqual(expect.any(Number));
      }
    }
  });

  it('names Problem and every API object once, under components, and refers to them', () => {
    expect(Object.keys(document.components.schemas).sort()).toEqual(
      ['Assignment', 'AuditEntry', 'Problem', 'Project', 'ProjectAssignment', 'Reservation', 'Technician', 'User', 'Vehicle'].sort(),
    );
    const notFound = document.paths['/api/admin/vehicles/{id}']?.get?.responses['404'];
    expect(notFound?.content?.['application/problem+json']?.schema).toEqual({ $ref: '#/components/schemas/Problem' });
    // The problem body appears once: in its component.
    expect(body.match(/identifies the kind of problem/g)).toHaveLength(1);
  });

  it('needs no token on the public routes, and a bearer token on the others', () => {
    for (const { path, operation } of operations()) {
      const isPublic = !path.startsWith('/api/admin') && !path.startsWith('/api/v1');
      expect(operation.security, path).toEqual(isPublic ? [] : [{ bearerAuth: [] }]);
    }
  });

  it('has servers, a license, a description for every tag and a documented answer for itself', () => {
    expect(document.servers?.length).toBeGreaterThan(0);
    expect(document.info.license?.name).toEqual(expect.any(String));
    for (const tag of document.tags) expect(tag.description, tag.name).toEqual(expect.any(String));
    expect(Object.keys(document.paths['/openapi.json']?.get?.responses ?? {})).toContain('200');
  });
});

describe('the server answers both forms of a published path', () => {
  it('GET /api/v1/assignments and /api/v1/assignments/ give the same list', async () => {
    const withSlash = await t.request('GET', '/api/v1/assignments/?limit=5');
    const without = await t.request('GET', '/api/v1/assignments?limit=5');
    expect(withSlash.statusCode).toBe(200);
    expect(without.json()).toEqual(withSlash.json());
  });
});
