import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

/**
 * An address list as Fastify reads trustProxy: a comma-separated string is split at the commas
 * and trimmed; an array is taken as it is.
 */
function addressList(trustProxy: unknown): unknown {
  return typeof trustProxy === 'string' ? trustProxy.split(',').map((entry) => entry.trim()) : trustProxy;
}

describe('TRUST_PROXY', () => {
  it('unset trusts no proxy: trustProxy is false', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
  });

  it('"false" (or blank) trusts no proxy: trustProxy is false', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '  ' }).trustProxy).toBe(false);
  });

  it.each([
    ['1', 1],
    ['2', 2],
  ])('a hop count "%s" is the number %i, as Fastify takes it', (value, hops) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(hops);
  });

  it('one address is a list of that address', () => {
    expect(addressList(loadConfig({ TRUST_PROXY: '10.0.0.1' }).trustProxy)).toEqual(['10.0.0.1']);
  });

  it('a comma-separated list of addresses and CIDRs (IPv4 and IPv6), with spaces, is that list', () => {
    const { trustProxy } = loadConfig({ TRUST_PROXY: ' 10.0.0.1 , 192.168.0.0/16,::1, fd00::/8 ' });
    expect(addressList(trustProxy)).toEqual(['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8']);
  });
});

describe('TRUST_PROXY that refuses to start', () => {
  it.each([
    ['true (any X-Forwarded-For would be believed)', 'true'],
    ['a word', 'yes'],
    ['an address that is not one', '10.0.0.256'],
    ['a CIDR with too long a prefix', '10.0.0.0/33'],
    ['an IPv6 CIDR with too long a prefix', 'fd00::/129'],
    ['a list with one bad entry', '10.0.0.1, proxy.local'],
    ['an empty entry', '10.0.0.1,,::1'],
  ])('%s', (_case, value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY must be a hop count .* or the proxies' addresses or CIDRs/);
  });
});

describe('STATEMENT_TIMEOUT', () => {
  it('is 5 s by default', () => {
    expect(loadConfig({}).statementTimeoutMs).toBe(5000);
  });

  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['30', 30_000],
    ['10m', undefined],
  ])('"%s" is %s ms', (value, milliseconds) => {
    if (milliseconds === undefined) expect(() => loadConfig({ STATEMENT_TIMEOUT: value })).toThrow(ConfigError);
    else expect(loadConfig({ STATEMENT_TIMEOUT: value }).statementTimeoutMs).toBe(milliseconds);
  });

  it.each(['0', '0ms', '-1s', 'soon', '601s', '2147484s'])('"%s" refuses to start: it must be from 1 ms to 10 minutes', (value) => {
    expect(() => loadConfig({ STATEMENT_TIMEOUT: value })).toThrow(/STATEMENT_TIMEOUT must be a duration from 1ms to 10 minutes/);
  });
});

describe('DATABASE_POOLER', () => {
  it('is none by default', () => {
    expect(loadConfig({}).databasePooler).toBe('none');
  });

  it('transaction goes with a PostgreSQL URL (the pooler)', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://allot@pgbouncer:6432/allot', DATABASE_POOLER: 'transaction' }).databasePooler).toBe(
      'transaction',
    );
  });

  it('transaction without PostgreSQL refuses to start', () => {
    expect(() => loadConfig({ DATABASE_POOLER: 'transaction' })).toThrow(/needs DATABASE_URL=postgres/);
  });

  it('another value refuses to start', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y', DATABASE_POOLER: 'session' })).toThrow(/must be none or transaction/);
  });
});

describe('DATABASE_PREPARED_STATEMENTS', () => {
  it('is on by default on a direct connection, off behind a transaction pooler', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y' }).preparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y', DATABASE_POOLER: 'transaction' }).preparedStatements).toBe(false);
  });

  it('can be switched off', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y', DATABASE_PREPARED_STATEMENTS: 'false' }).preparedStatements).toBe(false);
  });

  it('true behind a transaction pooler refuses to start: the pooler does not carry them', () => {
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://x/y', DATABASE_POOLER: 'transaction', DATABASE_PREPARED_STATEMENTS: 'true' }),
    ).toThrow(/cannot work with DATABASE_POOLER=transaction/);
  });

  it('another value refuses to start', () => {
    expect(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: 'yes' })).toThrow(/must be true or false/);
  });
});

describe('JWKS_URL', () => {
  it.each([
    ['alone', {}],
    ['with JWT_ISSUER only', { JWT_ISSUER: 'https://idp.example' }],
    ['with JWT_AUDIENCE only', { JWT_AUDIENCE: 'allot' }],
  ])("%s refuses to start: a provider's tokens for other services must not pass", (_case, more) => {
    expect(() => loadConfig({ JWKS_URL: 'https://idp.example/jwks.json', ...more })).toThrow(/JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE/);
  });

  it('with JWT_ISSUER and JWT_AUDIENCE starts', () => {
    const config = loadConfig({ JWKS_URL: 'https://idp.example/jwks.json', JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'allot' });
    expect([config.jwksUrl, config.jwtIssuer, config.jwtAudience]).toEqual([
      'https://idp.example/jwks.json',
      'https://idp.example',
      'allot',
    ]);
  });
});

describe('TOKEN_TTL', () => {
  it.each([
    ['15m', 900],
    ['24h', 86_400],
  ])('"%s" is %i seconds', (value, seconds) => {
    expect(loadConfig({ TOKEN_TTL: value }).tokenTtlSeconds).toBe(seconds);
  });

  it.each(['25h', '7d', '86401'])('"%s" refuses to start: a token issued by login lives 24 hours at most', (value) => {
    expect(() => loadConfig({ TOKEN_TTL: value })).toThrow(/TOKEN_TTL may be 24h at most/);
  });
});

describe('DATABASE_POOL_SIZE', () => {
  it('is 10 connections by default, and takes a whole number', () => {
    expect(loadConfig({}).databasePoolSize).toBe(10);
    expect(loadConfig({ DATABASE_POOL_SIZE: '32' }).databasePoolSize).toBe(32);
  });

  it.each(['0', '-1', '2.5', 'ten', '1001'])('"%s" refuses to start', (value) => {
    expect(() => loadConfig({ DATABASE_POOL_SIZE: value })).toThrow(/DATABASE_POOL_SIZE must be a whole number from 1 to 1000/);
  });
});

describe('REQUEST_TIMEOUT and CONNECTION_TIMEOUT', () => {
  it('are 30 s to send a whole request and 60 s of silence by default', () => {
    const config = loadConfig({});
    expect(config.requestTimeoutMs).toBe(30_000);
    expect(config.connectionTimeoutMs).toBe(60_000);
  });

  it('are read like STATEMENT_TIMEOUT', () => {
    const config = loadConfig({ REQUEST_TIMEOUT: '10s', CONNECTION_TIMEOUT: '1500ms' });
    expect(config.requestTimeoutMs).toBe(10_000);
    expect(config.connectionTimeoutMs).toBe(1_500);
  });

  it.each([
    ['REQUEST_TIMEOUT', '0'],
    ['REQUEST_TIMEOUT', 'forever'],
    ['CONNECTION_TIMEOUT', '0s'],
    ['CONNECTION_TIMEOUT', '11m'],
  ])('%s="%s" refuses to start: it must be from 1 ms to 10 minutes', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name} must be a duration from 1ms to 10 minutes`));
  });
});

describe('METRICS_PORT', () => {
  it('is unset by default: /metrics is served on PORT', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
  });

  it('a port number gives /metrics a port of its own', () => {
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
  });

  it.each(['http', '-1', '65536', '94.64'])('"%s" refuses to start', (value) => {
    expect(() => loadConfig({ METRICS_PORT: value })).toThrow(/METRICS_PORT must be a port number/);
  });

  it('the port of the API refuses to start: it is a listener of its own', () => {
    expect(() => loadConfig({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(/METRICS_PORT must differ from PORT/);
  });
});
