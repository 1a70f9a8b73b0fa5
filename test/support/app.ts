import { randomInt, randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestCallback, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import type { App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Config } from '../../src/config.ts';
import { openDatabase } from '../../src/platform/db.ts';
import type { DatabaseHandle } from '../../src/platform/db.ts';
import { issueToken } from '../../src/platform/auth.ts';
import { contractOf } from './contract.ts';
import type { Contract, OpenApiDocument } from './contract.ts';

/** Which database this run of the suite is for: see vitest.config.ts. */
export const onPostgres = process.env.TEST_DB === 'postgres';
export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-000';

export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({
    DATABASE_URL: onPostgres ? process.env.DATABASE_URL : 'memory://',
    DATABASE_POOLER: onPostgres && process.env.DIRECT_DATABASE_URL ? 'transaction' : 'none',
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
  });
  return { ...base, ...overrides };
}

/**
 * A migrated database for one test file: a fresh in-memory PGlite, or the PostgreSQL server of
 * DATABASE_URL, shared by every file (tests make their own data with unique names). When
 * DIRECT_DATABASE_URL is set too, DATABASE_URL is a transaction pooler (PgBouncer): the
 * migrations run over the direct connection first, as in production.
 */
export async function testDatabase(overrides: Partial<Config> = {}): Promise<DatabaseHandle> {
  if (onPostgres && !process.env.DATABASE_URL) throw new Error('TEST_DB=postgres needs DATABASE_URL');
  const direct = process.env.DIRECT_DATABASE_URL;
  if (onPostgres && direct) {
    const migrator = await openDatabase({ kind: 'postgres', url: direct }, { poolSize: 1 });
    await migrator.migrate();
    await migrator.close();
  }
  const config = testConfig(overrides);
  const database = await openDatabase(config.database, {
    statementTimeoutMs: config.statementTimeoutMs,
    pooler: config.databasePooler,
    preparedStatements: config.preparedStatements,
    poolSize: config.databasePoolSize,
  });
  await database.migrate();
  return database;
}

export interface TestApp {
  /** Every `app.inject` response is checked against the served OpenAPI document (see contract.ts). */
  app: App;
  database: DatabaseHandle;
  /** The served OpenAPI document, compiled: for real-socket tests (`checkedFetch`) and table-driven tests. */
  contract: Contract;
  document: OpenApiDocument;
  /** Sends a request as an administrator (sub "test-admin" unless given). */
  request(method: string, url: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function adminToken(sub = 'test-admin', roles = ['admin']): Promise<string> {
  return (await issueToken(TEST_SECRET, { sub, roles, ttlSeconds: 3600 })).token;
}

export interface TestAppOptions {
  /** Put several apps on one database; by default each app opens (and closes) its own. */
  database?: DatabaseHandle;
  config?: Partial<Config>;
  /** The HS256 key in force, when it is not config.jwtSecret (as for a key kept in DATA_DIR). */
  jwtSecret?: string | undefined;
  /** Receives the request logs (JSON lines, at config.logLevel); by default there are none. */
  logger?: { write(line: string): void };
  /**
   * Test-only routes, registered before the app is ready. They are hidden from the document, so
   * their responses are checked as those of an undocumented route: an error must be a Problem.
   */
  routes?: (app: App) => void | Promise<void>;
}

/** The one way a test gets an app: on its own database connection(s), every response checked against the document. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDatabase = !options.database;
  const database = options.database ?? (await testDatabase(options.config));
  const config = testConfig(options.config);
  const jwtSecret = 'jwtSecret' in options ? options.jwtSecret : config.jwtSecret;
  const app = await buildApp({ config, database, jwtSecret, logger: options.logger ?? false });
  const { routes } = options;
  if (routes) {
    await app.register(async (testOnly) => {
      testOnly.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, hide: true };
      });
      await routes(testOnly);
    });
  }
  await app.ready();
  const served = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (served.statusCode !== 200) throw new Error(`GET /openapi.json answered ${served.statusCode}: ${served.body}`);
  const document = served.json<OpenApiDocument>();
  const contract = contractOf(document);
  checkEveryInjection(app, contract);
  const defaultToken = await adminToken();
  return {
    app,
    database,
    contract,
    document,
    request: (method, url, body, token = defaultToken) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      }),
    close: async () => {
      await app.close();
      if (ownsDatabase) await database.close();
    },
  };
}

/**
 * Replaces `app.inject` so that no test can receive a response without it being checked against
 * the document: a mismatch rejects the injection with a ContractError naming what differs.
 */
function checkEveryInjection(app: App, contract: Contract): void {
  const inject = app.inject.bind(app) as (options: InjectOptions | string) => Promise<LightMyRequestResponse>;
  const checked = async (options: InjectOptions | string): Promise<LightMyRequestResponse> => {
    const response = await inject(ownAddressForSignIn(options));
    const { method, url } = requestLine(options);
    contract.check(method, url, response);
    return response;
  };
  function checkedInject(options?: InjectOptions | string, callback?: LightMyRequestCallback): Promise<LightMyRequestResponse> | undefined {
    if (options === undefined) throw new Error('app.inject() chains are not checked against the document: pass the request options');
    if (!callback) return checked(options);
    checked(options).then(
      (response) => callback(undefined, response),
      (error: Error) => callback(error, undefined),
    );
  }
  app.inject = checkedInject as App['inject'];
}

function requestLine(options: InjectOptions | string): { method: string; url: string } {
  if (typeof options === 'string') return { method: 'GET', url: options };
  const target = options.url ?? options.path ?? '/';
  const url = typeof target === 'string' ? target : target.pathname;
  return { method: options.method ?? 'GET', url };
}

/**
 * Failed sign-ins are counted per address in the database, which the test files share on
 * PostgreSQL (and keep for 15 minutes across runs): a sign-in that names no address comes from one
 * of its own, so that one test's failures never hold back another's.
 */
function ownAddressForSignIn(options: InjectOptions | string): InjectOptions | string {
  if (typeof options === 'string' || options.remoteAddress !== undefined) return options;
  const { url } = requestLine(options);
  return url.startsWith('/api/auth/login') ? { ...options, remoteAddress: clientAddress() } : options;
}

/** A client address in 10.0.0.0/8 that no other test is likely to use. */
export function clientAddress(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

/** A short unique suffix, so that tests never collide on unique names. */
export function unique(): string {
  return randomUUID().slice(0, 8);
}
