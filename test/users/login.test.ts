import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db.ts';
import { bootstrapAdministrator } from '../../src/users/bootstrap.ts';
import type { User } from '../../src/users/users.schemas.ts';
import { testApp, testConfig, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const PASSWORD = 'correct horse battery staple';

/** Each test signs in from its own address, so that the failures of one never throttle another. */
let lastOctet = 0;
const clientAddress = () => `10.0.${Math.floor(++lastOctet / 250)}.${(lastOctet % 250) + 1}`;

function login(body: unknown, remoteAddress = '192.0.2.1') {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: body as object, remoteAddress });
}

async function createUser(fields: Record<string, unknown> = {}): Promise<User> {
  const response = await t.request('POST', '/api/v1/users', {
    email: `login-${unique()}@example.test`,
    first_name: 'Grace',
    last_name: 'Hopper',
    role: ['Admin'],
    password: PASSWORD,
    ...fields,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<User>();
}

interface LoginResult {
  token: string;
  expires_at: string;
  user: User;
}

describe('POST /api/auth/login', () => {
  it('signs an active user in: 200 { token, expires_at, user }, never a password or hash', async () => {
    const user = await createUser();
    const before = Date.now();
    const response = await login({ email: user.email, password: PASSWORD }, clientAddress());
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<LoginResult>();
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'token', 'user']);
    expect(body.user).toEqual(user);
    expect(response.body).not.toMatch(/password|hash|scrypt/i);

    const claims = decodeJwt(body.token);
    expect(claims).toMatchObject({ sub: user.user_id, roles: ['Admin'] });
    expect(claims.exp! * 1000).toBe(Date.parse(body.expires_at));
    // TOKEN_TTL defaults to one hour.
    expect(Date.parse(body.expires_at) - before).toBeGreaterThan(3_590_000);
    expect(Date.parse(body.expires_at) - before).toBeLessThan(3_610_000);
  });

  it('the token it issues works on the admin API', async () => {
    const user = await createUser();
    const { token } = (await login({ email: user.email, password: PASSWORD }, clientAddress())).json<LoginResult>();
    const response = await t.app.inject({ method: 'GET', url: '/api/admin/vehicles', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
  });

  it("a user who is not an Admin signs in, but their token is 403 on the admin API", async () => {
    const user = await createUser({ role: ['Employee'] });
    const { token } = (await login({ email: user.email, password: PASSWORD }, clientAddress())).json<LoginResult>();
    const response = await t.app.inject({ method: 'GET', url: '/api/admin/vehicles', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(403);
  });

  it('the email is matched ignoring case', async () => {
    const user = await createUser();
    expect((await login({ email: user.email.toUpperCase(), password: PASSWORD }, clientAddress())).statusCode).toBe(200);
  });

  it('a wrong password and an unknown email get the same 401', async () => {
    const user = await createUser();
    const address = clientAddress();
    const wrongPassword = await login({ email: user.email, password: 'not the password' }, address);
    const unknownEmail = await login({ email: `nobody-${unique()}@example.test`, password: PASSWORD }, address);
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expect(wrongPassword.json()).toEqual(unknownEmail.json());
  });

  it('an inactive user is 401 with the same answer, even with the right password', async () => {
    const user = await createUser({ status: 'inactive' });
    const address = clientAddress();
    const inactive = await login({ email: user.email, password: PASSWORD }, address);
    const unknown = await login({ email: `nobody-${unique()}@example.test`, password: PASSWORD }, address);
    expect(inactive.statusCode).toBe(401);
    expect(inactive.json()).toEqual(unknown.json());
  });

  it('a user without a password cannot sign in: 401', async () => {
    const user = await createUser({ password: undefined });
    expect((await login({ email: user.email, password: '' }, clientAddress())).statusCode).toBe(401);
    expect((await login({ email: user.email, password: PASSWORD }, clientAddress())).statusCode).toBe(401);
  });

  it.each([
    ['no password', { email: 'a@example.test' }],
    ['no email', { password: PASSWORD }],
    ['an unknown field', { email: 'a@example.test', password: PASSWORD, remember: true }],
    ['a number as password', { email: 'a@example.test', password: 12345678 }],
  ])('%s is 400', async (_case, body) => {
    const response = await login(body, clientAddress());
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('after 5 failed sign-ins from one client the next is 429 with Retry-After, even with the right password', async () => {
    const user = await createUser();
    const address = clientAddress();
    for (let i = 0; i < 5; i++) {
      expect((await login({ email: user.email, password: `wrong-${i}` }, address)).statusCode).toBe(401);
    }
    const throttled = await login({ email: user.email, password: PASSWORD }, address);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(throttled.json()).toMatchObject({ status: 429 });

    // Another client is not held back.
    expect((await login({ email: user.email, password: PASSWORD }, clientAddress())).statusCode).toBe(200);
  });

  it('concurrent guesses from one client cannot get past the limit: 5 are checked, the rest are 429', async () => {
    const user = await createUser();
    const address = clientAddress();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login({ email: user.email, password: `guess-${i}` }, address)),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('a successful sign-in clears the failures of its client', async () => {
    const user = await createUser();
    const address = clientAddress();
    for (let i = 0; i < 4; i++) await login({ email: user.email, password: 'wrong' }, address);
    expect((await login({ email: user.email, password: PASSWORD }, address)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login({ email: user.email, password: 'wrong' }, address)).statusCode).toBe(401);
    expect((await login({ email: user.email, password: PASSWORD }, address)).statusCode).toBe(200);
  });
});

describe('bootstrapAdministrator', () => {
  it('ADMIN_EMAIL and ADMIN_PASSWORD create an administrator who can sign in', async () => {
    const email = `boot-${unique()}@example.test`;
    const lines = await bootstrapAdministrator(t.database.db, testConfig({ adminEmail: email, adminPassword: 'first-password-1' }), 'http://x');
    expect(lines).toEqual([]);
    const response = await login({ email, password: 'first-password-1' }, clientAddress());
    expect(response.statusCode).toBe(200);
    const { user, token } = response.json<LoginResult>();
    expect(user).toMatchObject({ email, role: ['Admin'], status: 'active' });
    const vehicles = await t.app.inject({ method: 'GET', url: '/api/admin/vehicles', headers: { authorization: `Bearer ${token}` } });
    expect(vehicles.statusCode).toBe(200);
  });

  it('at the next start a new ADMIN_PASSWORD replaces the old one', async () => {
    const email = `reset-${unique()}@example.test`;
    await bootstrapAdministrator(t.database.db, testConfig({ adminEmail: email, adminPassword: 'old-password-1' }), 'http://x');
    await bootstrapAdministrator(t.database.db, testConfig({ adminEmail: email, adminPassword: 'new-password-2' }), 'http://x');
    expect((await login({ email, password: 'old-password-1' }, clientAddress())).statusCode).toBe(401);
    expect((await login({ email, password: 'new-password-2' }, clientAddress())).statusCode).toBe(200);
  });

  it('an existing user named by ADMIN_EMAIL is made an active Admin, keeping their other roles', async () => {
    const user = await createUser({ role: ['Employee'], status: 'inactive' });
    await bootstrapAdministrator(t.database.db, testConfig({ adminEmail: user.email.toUpperCase(), adminPassword: 'promoted-pass' }), 'http://x');
    const response = await login({ email: user.email, password: 'promoted-pass' }, clientAddress());
    expect(response.statusCode).toBe(200);
    expect(response.json<LoginResult>().user).toMatchObject({ user_id: user.user_id, role: ['Employee', 'Admin'], status: 'active' });
  });

  it('without ADMIN_EMAIL, a database that has an administrator gets nothing new', async () => {
    await bootstrapAdministrator(t.database.db, testConfig({ adminEmail: `any-${unique()}@example.test`, adminPassword: 'some-password' }), 'http://x');
    expect(await bootstrapAdministrator(t.database.db, testConfig(), 'http://x')).toEqual([]);
  });

  it('on a fresh database, creates admin@localhost with a password shown once', async () => {
    // Only a database without any administrator shows this, so it gets one of its own.
    const fresh = await openDatabase({ kind: 'memory' });
    await fresh.migrate();
    const app = await testApp({ database: fresh });
    try {
      const config = testConfig({ adminEmail: undefined, adminPassword: undefined });
      const lines = await bootstrapAdministrator(fresh.db, config, 'http://127.0.0.1:3000');
      expect(lines.length).toBeGreaterThan(0);
      const text = lines.join('\n');
      expect(text).toContain('admin@localhost');
      expect(text).toContain('http://127.0.0.1:3000/api/auth/login');
      const password = /with the password (\S+)/.exec(text)?.[1];
      expect(password).toBeDefined();
      expect(password!.length).toBeGreaterThanOrEqual(16);

      const response = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'admin@localhost', password } });
      expect(response.statusCode).toBe(200);
      expect(response.json<LoginResult>().user).toMatchObject({ email: 'admin@localhost', role: ['Admin'] });

      expect(await bootstrapAdministrator(fresh.db, config, 'http://127.0.0.1:3000')).toEqual([]);
      const second = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'admin@localhost', password } });
      expect(second.statusCode).toBe(200);
    } finally {
      await app.close();
      await fresh.close();
    }
  });
});

describe('behind a proxy (TRUST_PROXY)', () => {
  it('keys the throttle on X-Forwarded-For, so one client locked out does not lock out another', async () => {
    const proxied = await testApp({ database: t.database, config: { trustProxy: true } });
    try {
      const attempt = (client: string) =>
        proxied.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          headers: { 'x-forwarded-for': client },
          payload: { email: `nobody-${unique()}@example.com`, password: 'wrong-password' },
        });
      for (let i = 0; i < 5; i++) expect((await attempt('203.0.113.7')).statusCode).toBe(401);
      expect((await attempt('203.0.113.7')).statusCode).toBe(429);
      expect((await attempt('203.0.113.8')).statusCode).toBe(401);
    } finally {
      await proxied.close();
    }
  });
});
