import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { activeAssignment } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';
import type { ResponseLike } from '../support/problems.ts';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await testApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(() => t.close());

/** Sends raw bytes, as a client that is not a browser or curl might, and reads the answer. */
function rawRequest(text: string): Promise<ResponseLike> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ statusCode: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

describe('a wrong method on a known path', () => {
  it('is 405 with an Allow header listing the methods the path takes', async () => {
    const response = await t.request('PUT', '/api/admin/vehicles', { plateNumber: 'X' });
    const problem = expectProblem(response, 405, 'method-not-allowed');
    expect(response.headers.allow).toBe('GET, HEAD, POST');
    expect(problem.detail).toBe('/api/admin/vehicles does not take PUT; it takes GET, HEAD, POST');
  });

  it('is 405 on a path with parameters and with a trailing slash too', async () => {
    const response = await t.request('POST', '/api/admin/assignments/7/return/');
    expectProblem(response, 405, 'method-not-allowed');
    expect(response.headers.allow).toBe('PATCH');
    const project = await t.request('PUT', '/api/v1/assignments/00000000-0000-4000-8000-000000000000');
    expectProblem(project, 405, 'method-not-allowed');
    expect(project.headers.allow).toBe('DELETE, GET, HEAD');
  });

  it('a path no route has stays 404', async () => {
    expectProblem(await t.request('PUT', '/api/admin/lorries'), 404, 'route-not-found');
  });

  it('a file missing under a route that takes GET (/docs/static/) is 404, not 405', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/static/no-such-file.js' });
    expectProblem(response, 404, 'route-not-found');
  });

  it('a method Node does not know at all is 501 problem+json', async () => {
    const response = await rawRequest('FROB /api/admin/vehicles HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expectProblem(response, 501, 'method-not-implemented');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('what the router and the HTTP parser refuse is problem+json', () => {
  it('headers over 16 KiB are 431', async () => {
    const response = await rawRequest(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\nConnection: close\r\n\r\n`);
    expectProblem(response, 431, 'headers-too-large');
  });

  it('a request that is not well-formed HTTP is 400', async () => {
    expectProblem(await rawRequest('GET /healthz HTTP/1.1\r\nHost x\r\n\r\n'), 400, 'malformed-request');
  });

  it('a path segment over 1024 characters is 414', async () => {
    const response = await t.request('GET', `/api/admin/vehicles/${'1'.repeat(1025)}`);
    expectProblem(response, 414, 'uri-too-long');
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('a path that is not valid percent-encoding is 400', async () => {
    expectProblem(await t.request('GET', '/api/v1/users/%zz'), 400, 'invalid-url');
  });

  it('an email of 254 characters, the longest there is, works as a path parameter', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.org`;
    expect(email).toHaveLength(254);
    const response = await t.request('GET', `/api/v1/assignments/projects-by-org-email/${encodeURIComponent(email)}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual([]);
  });
});

describe('PATCH /api/admin/assignments/:id/return with a body that is not an object', () => {
  it.each(['null', '[]', '"notes"', '42'])('%s is 400 and returns nothing', async (payload) => {
    const assignment = await activeAssignment(t);
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/api/admin/assignments/${assignment.id}/return`,
      headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      payload,
    });
    expectProblem(response, 400, 'validation');
    const after = await t.request('GET', `/api/admin/assignments/${assignment.id}`);
    expect(after.json().assignment.status).toBe('active');
  });
});
