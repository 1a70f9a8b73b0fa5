import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import type { App } from '../../src/app.ts';
import type { DatabaseHandle } from '../../src/platform/db.ts';
import { adminToken, testConfig, testDatabase, unique } from '../support/app.ts';

const lines: string[] = [];
let app: App;
let database: DatabaseHandle;

beforeAll(async () => {
  database = await testDatabase();
  const config = testConfig({ logLevel: 'info' });
  app = await buildApp({ config, database, jwtSecret: config.jwtSecret, logger: { write: (line) => lines.push(line) } });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await database.close();
});

it('logs JSON lines with the request id and never a token, password or token-like query value', async () => {
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
  await app.inject({ method: 'GET', url: `/api/admin/vehicles?access_token=${issued}`, headers: { authorization: `Bearer ${issued}` } });

  const entries = lines.map((line) => JSON.parse(line) as { reqId?: string; req?: { url?: string } });
  expect(entries.some((entry) => entry.reqId === 'trace-me-123')).toBe(true);
  expect(entries.some((entry) => entry.req?.url?.includes('access_token=[redacted]'))).toBe(true);
  const everything = lines.join('\n');
  for (const secret of [token, issued, password]) expect(everything).not.toContain(secret);
});
