import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET, testApp, testDatabase } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import type { DatabaseHandle } from '../../src/platform/db.ts';
import { expectProblem } from '../support/problems.ts';
import type { ResponseLike } from '../support/problems.ts';

const secret = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);
const ROUTE = '/api/admin/vehicles';

/** An HS256 token with exactly these claims (no defaults added). */
function hs256(claims: JWTPayload, key: Uint8Array = secret, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header }).sign(key);
}

const valid = (extra: JWTPayload = {}): JWTPayload => ({ sub: 'auth-test', roles: ['admin'], exp: now() + 600, ...extra });

let database: DatabaseHandle;
let t: TestApp;
beforeAll(async () => {
  database = await testDatabase();
  t = await testApp({ database });
});
afterAll(async () => {
  await t.close();
  await database.close();
});

function get(app: TestApp, headers: Record<string, string> = {}, url = ROUTE) {
  return app.app.inject({ method: 'GET', url, headers });
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** 401 unauthorized, with WWW-Authenticate: Bearer (expectProblem checks it on every 401). */
const expectUnauthorized = (response: ResponseLike) => expectProblem(response, 401, 'unauthorized');

describe('tokens signed with JWT_SECRET (HS256)', () => {
  it('a valid admin token is accepted', async () => {
    const response = await get(t, bearer(await hs256(valid())));
    expect(response.statusCode).toBe(200);
  });

  it('no Authorization header is 401 with WWW-Authenticate: Bearer', async () => {
    expectUnauthorized(await get(t));
  });

  it.each([
    ['a Basic credential', 'Basic dXNlcjpwYXNz'],
    ['Bearer with nothing after it', 'Bearer '],
    ['a token that is not a JWT', 'Bearer not.a.jwt'],
    ['two tokens', 'Bearer a.b.c d.e.f'],
  ])('%s is 401', async (_case, authorization) => {
    expectUnauthorized(await get(t, { authorization }));
  });

  it('the scheme is case-insensitive', async () => {
    const response = await get(t, { authorization: `bearer ${await hs256(valid())}` });
    expect(response.statusCode).toBe(200);
  });

  it('alg "none" is 401', async () => {
    const unsigned = new UnsecuredJWT(valid()).encode();
    expectUnauthorized(await get(t, bearer(unsigned)));
    // The same with a signature part that is not empty.
    expectUnauthorized(await get(t, bearer(`${unsigned}c2lnbmF0dXJl`)));
  });

  it('a token signed with another key is 401', async () => {
    expectUnauthorized(await get(t, bearer(await hs256(valid(), new TextEncoder().encode('another-secret-that-is-long-enough-0000')))));
  });

  it('a token whose payload was changed after signing is 401', async () => {
    const [header, , signature] = (await hs256(valid({ roles: ['viewer'] }))).split('.');
    const forged = Buffer.from(JSON.stringify(valid())).toString('base64url');
    expectUnauthorized(await get(t, bearer(`${header}.${forged}.${signature}`)));
  });

  it('HS384 and HS512 tokens are 401 even with the right secret', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const token = await new SignJWT(valid()).setProtectedHeader({ alg }).sign(secret);
      expectUnauthorized(await get(t, bearer(token)));
    }
  });

  it('an expired token is 401', async () => {
    const response = await get(t, bearer(await hs256(valid({ exp: now() - 120 }))));
    expectUnauthorized(response);
    expect(response.json<{ detail: string }>().detail).toMatch(/expired/);
  });

  it('a token without exp is 401', async () => {
    expectUnauthorized(await get(t, bearer(await hs256({ sub: 'auth-test', roles: ['admin'] }))));
  });

  it('a token without sub is 401', async () => {
    expectUnauthorized(await get(t, bearer(await hs256({ roles: ['admin'], exp: now() + 600 }))));
  });

  it('a token with an empty or non-string sub is 401', async () => {
    expectUnauthorized(await get(t, bearer(await hs256(valid({ sub: '' })))));
    expectUnauthorized(await get(t, bearer(await hs256({ ...valid(), sub: 42 } as unknown as JWTPayload))));
  });

  it('a token not valid yet (nbf in the future) is 401', async () => {
    const response = await get(t, bearer(await hs256(valid({ nbf: now() + 600 }))));
    expectUnauthorized(response);
    expect(response.json<{ detail: string }>().detail).toMatch(/not valid yet/);
  });

  it('a token whose nbf has passed is accepted', async () => {
    expect((await get(t, bearer(await hs256(valid({ nbf: now() - 60 }))))).statusCode).toBe(200);
  });

  it('iss and aud are not checked when not configured', async () => {
    expect((await get(t, bearer(await hs256(valid({ iss: 'anyone', aud: 'anything' }))))).statusCode).toBe(200);
  });
});

describe('roles', () => {
  it.each([
    ['roles: ["Admin"]', { roles: ['Admin'] }],
    ['roles: ["viewer", "admin"]', { roles: ['viewer', 'admin'] }],
    ['role: "admin"', { roles: undefined, role: 'admin' }],
    ['role: "ADMIN"', { roles: undefined, role: 'ADMIN' }],
    ['role: ["x", "ADMIN"]', { roles: undefined, role: ['x', 'ADMIN'] }],
  ])('a token with %s is an administrator', async (_case, claims) => {
    expect((await get(t, bearer(await hs256(valid(claims))))).statusCode).toBe(200);
  });

  it.each([
    ['no role at all', { roles: undefined }],
    ['roles: ["viewer"]', { roles: ['viewer'] }],
    ['role: "administrator"', { roles: undefined, role: 'administrator' }],
    ['roles: "admin, user" (one string, not a list of roles)', { roles: ['admin, user'] }],
    ['roles: [{ "name": "admin" }]', { roles: [{ name: 'admin' }] }],
  ])('a valid token with %s is 403', async (_case, claims) => {
    expectProblem(await get(t, bearer(await hs256(valid(claims)))), 403, 'forbidden');
  });
});

describe('where the token may be', () => {
  it('a token in ?token= or ?access_token= is ignored: 401', async () => {
    const token = await hs256(valid());
    expectUnauthorized(await get(t, {}, `${ROUTE}?token=${token}`));
    expectUnauthorized(await get(t, {}, `${ROUTE}?access_token=${token}`));
  });

  it('a token in a cookie is ignored: 401', async () => {
    const token = await hs256(valid());
    expectUnauthorized(await get(t, { cookie: `token=${token}; access_token=${token}; Authorization=Bearer%20${token}` }));
  });
});

describe('JWT_ISSUER and JWT_AUDIENCE', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await testApp({ database, config: { jwtIssuer: 'https://issuer.test', jwtAudience: 'allot-api' } });
  });
  afterAll(() => strict.close());

  it('a token with the configured iss and aud is accepted', async () => {
    const token = await hs256(valid({ iss: 'https://issuer.test', aud: 'allot-api' }));
    expect((await get(strict, bearer(token))).statusCode).toBe(200);
  });

  it('an aud list containing the configured audience is accepted', async () => {
    const token = await hs256(valid({ iss: 'https://issuer.test', aud: ['other', 'allot-api'] }));
    expect((await get(strict, bearer(token))).statusCode).toBe(200);
  });

  it.each([
    ['a wrong issuer', { iss: 'https://evil.test', aud: 'allot-api' }],
    ['a wrong audience', { iss: 'https://issuer.test', aud: 'someone-else' }],
    ['no issuer', { aud: 'allot-api' }],
    ['no audience', { iss: 'https://issuer.test' }],
  ])('%s is 401', async (_case, claims) => {
    expectUnauthorized(await get(strict, bearer(await hs256(valid(claims)))));
  });
});

describe('JWKS_URL (an external identity provider)', () => {
  let server: Server;
  let jwksUrl: string;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  let rsaJwk: JWK;
  let jwksOnly: TestApp;
  let both: TestApp;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    const keys = [rsaJwk, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }];
    server = createServer((request, response) => {
      if (request.url !== '/.well-known/jwks.json') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    jwksOnly = await testApp({ database, config: { jwksUrl, jwtSecret: undefined } });
    both = await testApp({ database, config: { jwksUrl } });
  });
  afterAll(async () => {
    await jwksOnly?.close();
    await both?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const signed = (alg: string, kid: string, key: CryptoKey, claims: JWTPayload = valid()) =>
    new SignJWT({ iat: Math.floor(Date.now() / 1000), ...claims }).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);

  it("an RS256 token signed by the provider's key is accepted", async () => {
    expect((await get(jwksOnly, bearer(await signed('RS256', 'rsa-1', rsa.privateKey)))).statusCode).toBe(200);
  });

  it("an ES256 token signed by the provider's key is accepted", async () => {
    expect((await get(jwksOnly, bearer(await signed('ES256', 'ec-1', ec.privateKey)))).statusCode).toBe(200);
  });

  it('a provider token without the admin role is 403 forbidden', async () => {
    const token = await signed('RS256', 'rsa-1', rsa.privateKey, valid({ roles: ['viewer'] }));
    expectProblem(await get(jwksOnly, bearer(token)), 403, 'forbidden');
  });

  it('an expired provider token is 401', async () => {
    expectUnauthorized(await get(jwksOnly, bearer(await signed('RS256', 'rsa-1', rsa.privateKey, valid({ exp: now() - 60 })))));
  });

  it('an RS256 token signed by a key the provider does not publish is 401', async () => {
    const stranger = await generateKeyPair('RS256');
    expectUnauthorized(await get(jwksOnly, bearer(await signed('RS256', 'rsa-1', stranger.privateKey))));
    expectUnauthorized(await get(jwksOnly, bearer(await signed('RS256', 'unknown-kid', stranger.privateKey))));
  });

  it('an HS256 token is 401 when only the provider is trusted', async () => {
    const response = await get(jwksOnly, bearer(await hs256(valid())));
    expectUnauthorized(response);
  });

  it('an HS256 token keyed with the public key (PEM or JWK) is 401', async () => {
    const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const jwkText = new TextEncoder().encode(JSON.stringify(rsaJwk));
    for (const key of [pem, jwkText]) {
      const token = await hs256(valid(), key, { kid: 'rsa-1' });
      expectUnauthorized(await get(jwksOnly, bearer(token)));
      expectUnauthorized(await get(both, bearer(token)));
    }
  });

  it('with both configured, both kinds of token are accepted', async () => {
    expect((await get(both, bearer(await hs256(valid())))).statusCode).toBe(200);
    expect((await get(both, bearer(await signed('RS256', 'rsa-1', rsa.privateKey)))).statusCode).toBe(200);
  });

  it('an identity provider that cannot be reached is 401 identity-provider-unreachable, not 500', async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const orphan = await testApp({ database, config: { jwksUrl: `http://127.0.0.1:${port}/jwks.json`, jwtSecret: undefined } });
    try {
      const response = await get(orphan, bearer(await signed('RS256', 'rsa-1', rsa.privateKey)));
      expect(expectProblem(response, 401, 'identity-provider-unreachable').detail).toMatch(/could not be verified/);
    } finally {
      await orphan.close();
    }
  });

  it('an identity provider that answers with an error or with no usable keys is 401', async () => {
    const broken = createServer((request, response) => {
      if (request.url === '/500') response.writeHead(500).end();
      else if (request.url === '/html') response.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    try {
      // A provider that fails cannot vouch for any token; one that answers without the key refuses this one.
      for (const [path, slug] of [
        ['/500', 'identity-provider-unreachable'],
        ['/html', 'identity-provider-unreachable'],
        ['/empty', 'unauthorized'],
      ] as const) {
        const app = await testApp({ database, config: { jwksUrl: `${base}${path}`, jwtSecret: undefined } });
        try {
          expectProblem(await get(app, bearer(await signed('RS256', 'rsa-1', rsa.privateKey))), 401, slug);
        } finally {
          await app.close();
        }
      }
    } finally {
      broken.closeAllConnections();
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });

  it('a server that only trusts the provider issues no tokens: login is 503 login-unavailable', async () => {
    const response = await jwksOnly.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'someone@example.test', password: 'whatever-password' },
    });
    expectProblem(response, 503, 'login-unavailable');
  });
});

describe('an identity provider that fails', () => {
  let key: CryptoKey;
  beforeAll(async () => {
    key = (await generateKeyPair('RS256')).privateKey;
  });
  const signedWith = (kid: string) =>
    new SignJWT({ iat: Math.floor(Date.now() / 1000), ...valid() }).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
  it('is asked once per back-off: 100 tokens with random key ids against a JWKS answering 500 cause 1 fetch, each 401, reported once', async () => {
    let fetches = 0;
    const failing = createServer((_request, response) => {
      fetches++;
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const reports: string[] = [];
    const app = await testApp({
      database,
      config: { jwksUrl: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/jwks.json`, jwtSecret: undefined, logLevel: 'warn' },
      logger: { write: (line) => reports.push(line) },
    });
    try {
      for (const round of [0, 1]) {
        const answers = await Promise.all(
          Array.from({ length: 50 }, async (_, i) => get(app, bearer(await signedWith(`random-${round}-${i}`)))),
        );
        for (const answer of answers) expectProblem(answer, 401, 'identity-provider-unreachable');
      }
      expect(fetches).toBe(1);
      expect(reports.filter((line) => line.includes('trying again in 30 s'))).toHaveLength(1);
    } finally {
      await app.close();
      failing.closeAllConnections();
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });

  it('that hangs holds a request 2 s at most: then 401 identity-provider-unreachable', async () => {
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const app = await testApp({
      database,
      config: { jwksUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/jwks.json`, jwtSecret: undefined },
    });
    try {
      const started = Date.now();
      expectProblem(await get(app, bearer(await signedWith('rsa-1'))), 401, 'identity-provider-unreachable');
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      await app.close();
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });
});
