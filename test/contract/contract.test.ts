import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { ContractError, contractOf } from '../support/contract.ts';
import type { OpenApiDocument, ResponseLike } from '../support/contract.ts';

// A small document of the same shape as the served one, so that each check of the validator is
// shown to reject what it must: a validator that accepts everything would pass the whole suite.
const Problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
};
const problemResponse = {
  description: 'error',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const document: OpenApiDocument = {
  openapi: '3.1.0',
  components: {
    schemas: {
      Problem,
      Widget: {
        type: 'object',
        required: ['id', 'createdAt'],
        additionalProperties: false,
        properties: { id: { type: 'integer' }, createdAt: { type: 'string', format: 'date-time' } },
      },
    },
  },
  paths: {
    '/widgets/': {
      get: {
        responses: {
          200: { content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Widget' } } } } },
          401: problemResponse,
        },
      },
    },
    '/widgets/bulk': { post: { responses: { 200: { content: { 'application/json': { schema: { type: 'array' } } } } } } },
    '/widgets/{widget_id}': {
      get: {
        responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } } }, 404: problemResponse },
      },
      delete: { responses: { 204: { description: 'Deleted' } } },
    },
  },
};
const contract = contractOf(document);

const json = (statusCode: number, body: unknown, contentType = 'application/json; charset=utf-8'): ResponseLike => ({
  statusCode,
  headers: { 'content-type': contentType },
  body: JSON.stringify(body),
});
const problemOf = (status: number) =>
  json(status, { type: '/problems/x', title: 'T', status, detail: 'd' }, 'application/problem+json; charset=utf-8');
const widget = { id: 1, createdAt: '2026-01-01T00:00:00.000Z' };

describe('the contract check', () => {
  it('accepts a response as documented, with or without the trailing slash of the document', () => {
    expect(contract.mismatches('GET', '/widgets', json(200, [widget]))).toEqual([]);
    expect(contract.mismatches('GET', '/widgets/?limit=5', json(200, [widget]))).toEqual([]);
    expect(contract.mismatches('GET', '/widgets/7/', json(200, widget))).toEqual([]);
    expect(contract.mismatches('DELETE', '/widgets/7', { statusCode: 204, headers: {}, body: '' })).toEqual([]);
  });

  it('matches a literal segment before a parameter', () => {
    expect(contract.mismatches('POST', '/widgets/bulk', json(200, []))).toEqual([]);
  });

  it('rejects a status the operation does not document', () => {
    expect(contract.mismatches('GET', '/widgets/7', json(201, widget))).toEqual([expect.stringMatching(/status 201 is not documented/)]);
  });

  it('rejects a body that breaks the schema, naming the property', () => {
    expect(contract.mismatches('GET', '/widgets/7', json(200, { id: '1', createdAt: 'yesterday', colour: 'red' }))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/body\/id must be integer/),
        expect.stringMatching(/body\/createdAt must match format "date-time"/),
        expect.stringMatching(/property the document does not list: colour/),
      ]),
    );
    expect(contract.mismatches('GET', '/widgets', json(200, [{ id: 1 }]))).toEqual([
      expect.stringMatching(/body\/0 lacks the required property createdAt/),
    ]);
  });

  it('rejects a content type the document does not give', () => {
    expect(contract.mismatches('GET', '/widgets/7', json(404, { type: '/problems/x', title: 'T', status: 404, detail: 'd' }))).toEqual([
      expect.stringMatching(/Content-Type application\/json; charset=utf-8 is not documented/),
    ]);
  });

  it('rejects a 204 with a body', () => {
    expect(contract.mismatches('DELETE', '/widgets/7', json(204, {}))).toEqual([expect.stringMatching(/204 response has a body/)]);
  });

  it('rejects a problem whose status member differs from the response status', () => {
    const response = json(404, { type: '/problems/x', title: 'T', status: 400, detail: 'd' }, 'application/problem+json');
    expect(contract.mismatches('GET', '/widgets/7', response)).toEqual([expect.stringMatching(/status member is 400/)]);
  });

  it('holds errors of undocumented routes and methods to the Problem schema, and ignores their successes', () => {
    expect(contract.mismatches('GET', '/nowhere', problemOf(404))).toEqual([]);
    expect(contract.mismatches('PUT', '/widgets/7', problemOf(405))).toEqual([]);
    expect(contract.mismatches('GET', '/nowhere', json(404, { message: 'Not Found' }))).toEqual([
      expect.stringMatching(/must be application\/problem\+json/),
    ]);
    expect(contract.mismatches('GET', '/nowhere', json(500, { title: 'x' }, 'application/problem+json'))).not.toEqual([]);
    expect(contract.mismatches('GET', '/docs', { statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<html>' })).toEqual([]);
    expect(contract.mismatches('PUT', '/widgets/7', json(200, widget))).toEqual([expect.stringMatching(/no PUT operation/)]);
  });

  it('throws a ContractError that names the request, the status and the mismatch', () => {
    expect(() => contract.check('GET', '/widgets/7', json(200, { id: 1 }))).toThrow(ContractError);
    expect(() => contract.check('GET', '/widgets/7', json(200, { id: 1 }))).toThrow(/GET \/widgets\/7 → 200[\s\S]*createdAt/);
  });
});

describe('app.inject of a test app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({
      routes: (test) => {
        test.get('/test/plain-error', async (_request, reply) => reply.code(500).type('text/plain').send('it broke'));
      },
    });
  });
  afterAll(() => t.close());

  it('rejects, with the mismatch, a response the document does not allow', async () => {
    await expect(t.app.inject({ method: 'GET', url: '/test/plain-error' })).rejects.toThrow(
      /GET \/test\/plain-error → 500[\s\S]*problem\+json/,
    );
  });

  it('checks injections given as a bare URL and with a callback too', async () => {
    await expect(t.app.inject('/test/plain-error')).rejects.toThrow(ContractError);
    const error = await new Promise((resolve) => t.app.inject({ method: 'GET', url: '/test/plain-error' }, (err) => resolve(err)));
    expect(error).toBeInstanceOf(ContractError);
  });

  it('hides test-only routes from the document', () => {
    expect(Object.keys(t.document.paths).some((path) => path.startsWith('/test/'))).toBe(false);
  });
});
