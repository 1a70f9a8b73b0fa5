import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { adminToken, testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

const lines: string[] = [];
let t: TestApp;
let app: App;

beforeAll(async () => {
  t = await testApp({
    config: { logLevel: 'info' },
    logger: { write: (line) => lines.push(line) },
    // A route that fails unexpectedly, to see where a 500's cause is logged.
    routes: (testOnly) => {
      testOnly.get('/test/internal-error', async () => {
        throw new Error('the disk caught fire');
      });
      testOnly.get('/test/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { status: 'late' };
      });
    },
  });
  app = t.app;
});
afterAll(() => t.close());

it('logs JSON lines with the request id and never a token, a password or the query string', async () => {
  const email = `log-${unique()}@example.com`;
  const password = `secret-password-${unique()}`;
  const token = await adminToken();
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-me-123' },
    payload: { email, first_name: 'Log', last_name: 'Test', role: ['Admin'], password },
  });
  expect(created.statusCode).toBe(201);
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  expect(login.statusCode).toBe(200);
  const issued = login.json().token as string;
  const query = `access_token=${issued}&jwt=${issued}&auth=${password}&pwd=${password}&limit=5`;
  await app.inject({ method: 'GET', url: `/api/admin/vehicles?${query}`, headers: { authorization: `Bearer ${issued}` } });

  const entries = lines.map((line) => JSON.parse(line) as { reqId?: string; req?: { url?: string } });
  expect(entries.some((entry) => entry.reqId === 'trace-me-123')).toBe(true);
  // The path is logged, never the query string.
  expect(entries.some((entry) => entry.req?.url === '/api/admin/vehicles')).toBe(true);
  expect(entries.every((entry) => !entry.req?.url?.includes('?'))).toBe(true);
  const everything = lines.join('\n');
  for (const secret of [token, issued, password]) expect(everything).not.toContain(secret);
});

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method?: string; url?: string; remoteAddress?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  err?: { message?: string; stack?: string };
}

it('writes one line per request, once answered: method, url, status, response time, request id, client address', async () => {
  const token = await adminToken();
  const requests = [
    { method: 'GET', url: '/healthz', status: 200 },
    { method: 'GET', url: '/api/admin/vehicles?limit=2', status: 200, token },
    { method: 'GET', url: '/api/admin/vehicles', status: 401 },
    { method: 'POST', url: '/api/admin/vehicles', status: 400, token, payload: { plateNumber: 42 } },
    { method: 'GET', url: '/no/such/route', status: 404 },
    // Refused by the router itself, before any route or hook runs.
    { method: 'GET', url: '/api/admin/vehicles/%zz', status: 400 },
    { method: 'GET', url: '/test/internal-error', status: 500 },
  ] as const;
  const first = lines.length;
  for (const [i, request] of requests.entries()) {
    const response = await app.inject({
      method: request.method,
      url: request.url,
      headers: { 'x-request-id': `one-line-${i}`, ...('token' in request ? { authorization: `Bearer ${request.token}` } : {}) },
      ...('payload' in request ? { payload: request.payload } : {}),
    });
    expect(response.statusCode).toBe(request.status);
  }

  const written = lines.slice(first).map((line) => JSON.parse(line) as LogLine);
  expect(written).toHaveLength(requests.length);
  for (const [i, request] of requests.entries()) {
    const line = written[i]!;
    expect(line.reqId).toBe(`one-line-${i}`);
    expect(line.req).toEqual({ method: request.method, url: request.url.split('?')[0], remoteAddress: '127.0.0.1' });
    expect(line.res).toEqual({ statusCode: request.status });
    expect(line.responseTime).toBeGreaterThanOrEqual(0);
  }
  // An unexpected failure is one line too, at level error, carrying its cause.
  const failed = written.at(-1)!;
  expect(failed.level).toBe(50);
  expect(failed.err?.message).toBe('the disk caught fire');
  expect(failed.err?.stack).toContain('logging.test.ts');
  expect(written.slice(0, -1).every((line) => line.level === 30 && line.err === undefined)).toBe(true);
});

it('a request whose client leaves before the answer is one line too, marked aborted', async () => {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const first = lines.length;
  const controller = new AbortController();
  const request = fetch(`${address}/test/slow`, { headers: { 'x-request-id': 'gave-up' }, signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await expect(request).rejects.toThrow();
  await new Promise((resolve) => setTimeout(resolve, 500));

  const written = lines.slice(first).map((line) => JSON.parse(line) as LogLine & { aborted?: boolean });
  expect(written).toHaveLength(1);
  expect(written[0]).toMatchObject({ reqId: 'gave-up', aborted: true, req: { method: 'GET', url: '/test/slow' } });
});

it('a request the HTTP parser refuses is one line too, under the request id of its answer', async () => {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1', () =>
      socket.write('FROB /healthz HTTP/1.1\r\nHost: allot\r\n\r\n'),
    );
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
  const requestId = /x-request-id: (\S+)/i.exec(answer)?.[1];
  expect(answer).toMatch(/^HTTP\/1\.1 501 /);
  const mine = lines
    .map((line) => JSON.parse(line) as { reqId?: string; res?: { statusCode?: number } })
    .filter((entry) => entry.reqId === requestId);
  expect(mine).toHaveLength(1);
  expect(mine[0]?.res?.statusCode).toBe(501);
});
