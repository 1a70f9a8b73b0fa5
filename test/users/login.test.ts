import { randomBytes, randomInt, scryptSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '../../src/platform/db.ts';
import { users } from '../../src/db/schema.ts';
import { bootstrapAdministrator } from '../../src/users/login/bootstrap.ts';
import { ACCOUNT_FAILURE_LIMIT, ADDRESS_FAILURE_LIMIT } from '../../src/users/login/login-throttle.ts';
import { needsRehash, SCRYPT_PARAMS, useScryptParamsForTests } from '../../src/users/login/passwords.ts';
import { TEST_SCRYPT_PARAMS } from '../support/fast-passwords.ts';
import { loadConfig } from '../../src/config.ts';
import type { User } from '../../src/users/users.schemas.ts';
import { clientAddress, testApp, testConfig, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { expectProblem } from '../support/problems.ts';
import type { ResponseLike } from '../support/problems.ts';
import { createUser } from '../support/users.ts';
import type { UserFields } from '../support/users.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const PASSWORD = 'correct horse battery staple';

function login(body: unknown, remoteAddress = '192.0.2.1') {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: body as object, remoteAddress });
}

/** A user whose password is PASSWORD: an Admin unless told otherwise. */
const userWithPassword = (fields: UserFields = {}) => createUser(t, { role: ['Admin'], password: PASSWORD, ...fields });

/** The one answer to any failed sign-in. */
const expectInvalidCredentials = (response: ResponseLike) => expectProblem(response, 401, 'invalid-credentials');

interface LoginResult {
  token: string;
  expires_at: string;
  user: User;
}

describe('POST /api/auth/login', () => {
  it('signs an active user in: 200 { token, expires_at, user }, never a password or hash', async () => {
    const user = await userWithPassword();
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
    const user = await userWithPassword();
    const { token } = (await login({ email: user.email, password: PASSWORD }, clientAddress())).json<LoginResult>();
    const response = await t.app.inject({ method: 'GET', url: '/api/admin/vehicles', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
  });

  it('a user who is not an Admin signs in, but their token is 403 forbidden on the admin API', async () => {
    const user = await userWithPassword({ role: ['Employee'] });
    const { token } = (await login({ email: user.email, password: PASSWORD }, clientAddress())).json<LoginResult>();
    const response = await t.app.inject({ method: 'GET', url: '/api/admin/vehicles', headers: { authorization: `Bearer ${token}` } });
    expectProblem(response, 403, 'forbidden');
  });

  it('the email is matched ignoring case', async () => {
    const user = await userWithPassword();
    expect((await login({ email: user.email.toUpperCase(), password: PASSWORD }, clientAddress())).statusCode).toBe(200);
  });

  it('a wrong password and an unknown email get the same 401 invalid-credentials', async () => {
    const user = await userWithPassword();
    const address = clientAddress();
    const wrongPassword = await login({ email: user.email, password: 'not the password' }, address);
    const unknownEmail = await login({ email: `nobody-${unique()}@example.test`, password: PASSWORD }, address);
    for (const response of [wrongPassword, unknownEmail]) expectInvalidCredentials(response);
    expect(wrongPassword.json()).toEqual(unknownEmail.json());
  });

  it('an inactive user is 401 invalid-credentials with the same answer, even with the right password', async () => {
    const user = await userWithPassword({ status: 'inactive' });
    const address = clientAddress();
    const inactive = await login({ email: user.email, password: PASSWORD }, address);
    const unknown = await login({ email: `nobody-${unique()}@example.test`, password: PASSWORD }, address);
    expectInvalidCredentials(inactive);
    expect(inactive.json()).toEqual(unknown.json());
  });

  it('a user without a password cannot sign in: 401 invalid-credentials', async () => {
    const user = await userWithPassword({ password: undefined });
    expectInvalidCredentials(await login({ email: user.email, password: '' }, clientAddress()));
    expectInvalidCredentials(await login({ email: user.email, password: PASSWORD }, clientAddress()));
  });

  it.each([
    ['no password', { email: 'a@example.test' }],
    ['no email', { password: PASSWORD }],
    ['an unknown field', { email: 'a@example.test', password: PASSWORD, remember: true }],
    ['a number as password', { email: 'a@example.test', password: 12345678 }],
  ])('%s is 400 validation', async (_case, body) => {
    expectProblem(await login(body, clientAddress()), 400, 'validation');
  });

  it('a user whose hash was made with older scrypt parameters signs in, and their hash is remade with N=2^15, r=8, p=3', async () => {
    useScryptParamsForTests(SCRYPT_PARAMS);
    onTestFinished(() => useScryptParamsForTests(TEST_SCRYPT_PARAMS));
    const user = await userWithPassword();
    // N=2^15, r=8, p=1: what this server hashed with before.
    const salt = randomBytes(16);
    const key = scryptSync(PASSWORD.normalize('NFKC'), salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 128 * 2 ** 15 * 8 * 2 });
    const oldHash = ['scrypt', 2 ** 15, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
    await t.database.db.update(users).set({ passwordHash: oldHash }).where(eq(users.userId, user.user_id));
    expect(needsRehash(oldHash)).toBe(true);

    const signedIn = await login({ email: user.email, password: PASSWORD }, clientAddress());
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const [row] = await t.database.db.select({ hash: users.passwordHash }).from(users).where(eq(users.userId, user.user_id));
    expect(row!.hash).not.toBe(oldHash);
    expect(row!.hash).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(needsRehash(row!.hash!)).toBe(false);
    // Remade, not changed: the token issued before the remake still works, and so does the password.
    const { token } = signedIn.json<LoginResult>();
    const vehicles = await t.app.inject({ method: 'GET', url: '/api/admin/vehicles', headers: { authorization: `Bearer ${token}` } });
    expect(vehicles.statusCode).toBe(200);
    expect((await login({ email: user.email, password: PASSWORD }, clientAddress())).statusCode).toBe(200);
  });
});

describe('the sign-in throttle', () => {
  const wrong = (email: string, address: string) => login({ email, password: 'wrong-password' }, address);

  it(`after ${ACCOUNT_FAILURE_LIMIT} failures for an account, from ${ACCOUNT_FAILURE_LIMIT} addresses, a new address is 429 with Retry-After of the 15-minute window, even with the right password`, async () => {
    const user = await userWithPassword();
    for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) expectInvalidCredentials(await wrong(user.email, clientAddress()));
    const throttled = await login({ email: user.email.toUpperCase(), password: PASSWORD }, clientAddress());
    const problem = expectProblem(throttled, 429, 'too-many-login-attempts');
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    // The window is 15 minutes from the first failure, a moment ago.
    expect(retryAfter).toBeGreaterThanOrEqual(890);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(problem.detail).toContain(`${retryAfter} s`);
    expect(problem.detail).toContain('account');
  });

  it('an unknown email is counted like a known one: its 6th try is 429 too, so the answer tells nothing', async () => {
    const email = `nobody-${unique()}@example.test`;
    for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) expectInvalidCredentials(await wrong(email, clientAddress()));
    expectProblem(await wrong(email.toUpperCase(), clientAddress()), 429, 'too-many-login-attempts');
  });

  it("others' failures do not lock the owner out: from an address they signed in from before, the right password still works", async () => {
    const user = await userWithPassword();
    const home = clientAddress();
    expect((await login({ email: user.email, password: PASSWORD }, home)).statusCode).toBe(200);
    for (let i = 0; i < 3 * ACCOUNT_FAILURE_LIMIT; i++) await wrong(user.email, clientAddress());
    expectProblem(await login({ email: user.email, password: PASSWORD }, clientAddress()), 429, 'too-many-login-attempts');
    // The owner at home is let through to the password check, which their password passes.
    expect((await login({ email: user.email, password: PASSWORD }, home)).statusCode).toBe(200);
    // A known address is still held by its own count, and a wrong password there is still wrong.
    expectInvalidCredentials(await wrong(user.email, home));
  });

  it(`after ${ADDRESS_FAILURE_LIMIT} failures from one address, whatever the emails, the next is 429; another address is not held back`, async () => {
    const user = await userWithPassword();
    const address = clientAddress();
    for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) expectInvalidCredentials(await wrong(`sprayed-${unique()}@example.test`, address));
    const throttled = expectProblem(await login({ email: user.email, password: PASSWORD }, address), 429, 'too-many-login-attempts');
    expect(throttled.detail).toContain('client');
    expect((await login({ email: user.email, password: PASSWORD }, clientAddress())).statusCode).toBe(200);
  });

  it('an IPv6 client is counted by its /64: other addresses of the same /64 are the same client', async () => {
    const prefix = `2001:db8:${randomInt(0xffff).toString(16)}:${randomInt(0xffff).toString(16)}`;
    for (let i = 1; i <= ADDRESS_FAILURE_LIMIT; i++)
      expectInvalidCredentials(await wrong(`v6-${unique()}@example.test`, `${prefix}::${i}`));
    expectProblem(await wrong(`v6-${unique()}@example.test`, `${prefix}:ffff:ffff:ffff:ffff`), 429, 'too-many-login-attempts');
    expectInvalidCredentials(await wrong(`v6-${unique()}@example.test`, `2001:db8:ffff:${randomInt(0xffff).toString(16)}::1`));
  });

  it('failures are counted in the database: replicas share them', async () => {
    const replica = await testApp({ database: t.database });
    try {
      const email = `shared-${unique()}@example.test`;
      for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) {
        const app = i % 2 === 0 ? t.app : replica.app;
        expectInvalidCredentials(await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'x' } }));
      }
      const sixth = await replica.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'x' } });
      expectProblem(sixth, 429, 'too-many-login-attempts');
    } finally {
      await replica.close();
    }
  });

  it(`concurrent guesses cannot get past the limit: ${ACCOUNT_FAILURE_LIMIT} are checked (401), the rest are 429`, async () => {
    const user = await userWithPassword();
    const address = clientAddress();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login({ email: user.email, password: `guess-${i}` }, address)),
    );
    const checked = responses.filter((r) => r.statusCode === 401);
    const throttled = responses.filter((r) => r.statusCode === 429);
    expect(checked).toHaveLength(ACCOUNT_FAILURE_LIMIT);
    expect(throttled).toHaveLength(20 - ACCOUNT_FAILURE_LIMIT);
    for (const response of checked) expectInvalidCredentials(response);
    for (const response of throttled) expectProblem(response, 429, 'too-many-login-attempts');
  });

  it("attempts refused with 429 are not counted: retrying a locked account does not lock the retrier's whole address", async () => {
    const locked = await userWithPassword();
    const colleague = await userWithPassword();
    for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) await wrong(locked.email, clientAddress());
    const office = clientAddress();
    for (let i = 0; i < 2 * ADDRESS_FAILURE_LIMIT; i++) {
      expectProblem(await login({ email: locked.email, password: PASSWORD }, office), 429, 'too-many-login-attempts');
    }
    expect((await login({ email: colleague.email, password: PASSWORD }, office)).statusCode).toBe(200);
  });

  it('right and wrong passwords of one client for one account, all at once, never fail otherwise: 200, 401 or 429', async () => {
    const user = await userWithPassword();
    const address = clientAddress();
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, i) => login({ email: user.email, password: i % 2 === 0 ? PASSWORD : `wrong-${i}` }, address)),
    );
    for (const response of responses) expect([200, 401, 429], response.body).toContain(response.statusCode);
    expect(responses.some((response) => response.statusCode === 200)).toBe(true);
  });

  it('a successful sign-in is not counted as a failure', async () => {
    const user = await userWithPassword();
    const address = clientAddress();
    for (let i = 0; i < ADDRESS_FAILURE_LIMIT - 1; i++) expectInvalidCredentials(await wrong(`other-${unique()}@example.test`, address));
    // Were they counted, the second of these would already be past the limit.
    for (let i = 0; i < 3; i++) expect((await login({ email: user.email, password: PASSWORD }, address)).statusCode).toBe(200);
    expectInvalidCredentials(await wrong(`other-${unique()}@example.test`, address));
    expectProblem(await wrong(`other-${unique()}@example.test`, address), 429, 'too-many-login-attempts');
  });

  it('a flood of sign-ins from many addresses is refused fast (503 password-checks-busy) beyond a few password checks at once, and a later sign-in works', async () => {
    // At the production cost: the bound is about slow hashes piling up.
    useScryptParamsForTests(SCRYPT_PARAMS);
    onTestFinished(() => useScryptParamsForTests(TEST_SCRYPT_PARAMS));
    const user = await userWithPassword();
    const flood = await Promise.all(
      Array.from({ length: 120 }, () => login({ email: `flood-${unique()}@example.test`, password: 'wrong-password' }, clientAddress())),
    );
    const busy = flood.filter((r) => r.statusCode === 503);
    // At most the cores' worth run and 8 times as many wait; the rest are turned away.
    expect(busy.length).toBeGreaterThanOrEqual(120 - 9 * Math.max(2, availableParallelism()));
    for (const response of busy) {
      expectProblem(response, 503, 'password-checks-busy');
      expect(response.headers['retry-after']).toBe('1');
    }
    for (const response of flood.filter((r) => r.statusCode !== 503)) expectInvalidCredentials(response);
    expect((await login({ email: user.email, password: PASSWORD }, clientAddress())).statusCode).toBe(200);
  });
});

describe('bootstrapAdministrator', () => {
  it('ADMIN_EMAIL and ADMIN_PASSWORD create an administrator who can sign in', async () => {
    const email = `boot-${unique()}@example.test`;
    const lines = await bootstrapAdministrator(
      t.database.db,
      testConfig({ adminEmail: email, adminPassword: 'first-password-1' }),
      'http://x',
    );
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
    expectInvalidCredentials(await login({ email, password: 'old-password-1' }, clientAddress()));
    expect((await login({ email, password: 'new-password-2' }, clientAddress())).statusCode).toBe(200);
  });

  it('an existing user named by ADMIN_EMAIL is made an active Admin, keeping their other roles', async () => {
    const user = await userWithPassword({ role: ['Employee'], status: 'inactive' });
    await bootstrapAdministrator(
      t.database.db,
      testConfig({ adminEmail: user.email.toUpperCase(), adminPassword: 'promoted-pass' }),
      'http://x',
    );
    const response = await login({ email: user.email, password: 'promoted-pass' }, clientAddress());
    expect(response.statusCode).toBe(200);
    expect(response.json<LoginResult>().user).toMatchObject({ user_id: user.user_id, role: ['Employee', 'Admin'], status: 'active' });
  });

  it('without ADMIN_EMAIL, a database that has an administrator gets nothing new', async () => {
    await bootstrapAdministrator(
      t.database.db,
      testConfig({ adminEmail: `any-${unique()}@example.test`, adminPassword: 'some-password' }),
      'http://x',
    );
    expect(await bootstrapAdministrator(t.database.db, testConfig(), 'http://x')).toEqual([]);
  });

  it('on PostgreSQL without ADMIN_PASSWORD, generates no password', async () => {
    const config = testConfig({
      adminEmail: undefined,
      adminPassword: undefined,
      database: { kind: 'postgres', url: 'postgres://unused/x' },
    });
    const fresh = await openDatabase({ kind: 'memory' });
    await fresh.migrate();
    try {
      expect(await bootstrapAdministrator(fresh.db, config, 'http://x')).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('on a fresh embedded database, creates admin@localhost with a password shown once', async () => {
    // Only a database without any administrator shows this, so it gets one of its own.
    const fresh = await openDatabase({ kind: 'memory' });
    await fresh.migrate();
    const app = await testApp({ database: fresh });
    try {
      const config = testConfig({ adminEmail: undefined, adminPassword: undefined, database: { kind: 'memory' } });
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
  /** An app whose trustProxy is what loadConfig makes of this TRUST_PROXY, on this file's database. */
  const behindProxy = (trustProxy: string) =>
    testApp({ database: t.database, config: { trustProxy: loadConfig({ TRUST_PROXY: trustProxy }).trustProxy } });

  /** A failed sign-in of `client`, forwarded by the proxy at `proxy` (light-my-request's default address). */
  const attempt = (app: TestApp, client: string, proxy = '127.0.0.1') =>
    app.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: proxy,
      headers: { 'x-forwarded-for': client },
      payload: { email: `nobody-${unique()}@example.com`, password: 'wrong-password' },
    });

  it.each([
    ['an address list that contains the proxy', '192.0.2.10, 127.0.0.1'],
    ['a CIDR list one of which contains the proxy', '10.0.0.0/8,127.0.0.0/8'],
    ['a hop count of 1', '1'],
  ])(
    'trusting %s, X-Forwarded-For keys the throttle: the client that failed to the limit is 429, another forwarded client still 401',
    async (_case, trustProxy) => {
      const proxied = await behindProxy(trustProxy);
      const [client, another] = [clientAddress(), clientAddress()];
      try {
        for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) expectInvalidCredentials(await attempt(proxied, client));
        expectProblem(await attempt(proxied, client), 429, 'too-many-login-attempts');
        expectInvalidCredentials(await attempt(proxied, another));
      } finally {
        await proxied.close();
      }
    },
  );

  it.each([
    ['a hop count of 1', '1'],
    ['an address list of the proxy', '127.0.0.1'],
  ])('trusting %s, what a client writes further left in X-Forwarded-For is not its address', async (_case, trustProxy) => {
    const proxied = await behindProxy(trustProxy);
    const [seen, another] = [clientAddress(), clientAddress()];
    try {
      // The client forges an entry; the proxy appends the address it really saw.
      for (let i = 1; i <= ADDRESS_FAILURE_LIMIT; i++) expectInvalidCredentials(await attempt(proxied, `198.18.0.${i}, ${seen}`));
      expectProblem(await attempt(proxied, `198.18.0.99, ${seen}`), 429, 'too-many-login-attempts');
      expectInvalidCredentials(await attempt(proxied, another));
    } finally {
      await proxied.close();
    }
  });

  it('trusting a list without the proxy, X-Forwarded-For is ignored: failures count against the socket address', async () => {
    const direct = await behindProxy('192.0.2.10, 198.18.0.0/15');
    const socket = clientAddress();
    try {
      for (let i = 1; i <= ADDRESS_FAILURE_LIMIT; i++) expectInvalidCredentials(await attempt(direct, `203.0.113.${i}`, socket));
      // Different forwarded clients failed, yet all from one socket address: the next is held back too…
      expectProblem(await attempt(direct, '203.0.113.99', socket), 429, 'too-many-login-attempts');
      // …while another socket address is not.
      expectInvalidCredentials(await attempt(direct, '203.0.113.99', clientAddress()));
    } finally {
      await direct.close();
    }
  });
});
