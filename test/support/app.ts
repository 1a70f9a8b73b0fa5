import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import type { App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Config } from '../../src/config.ts';
import { openDatabase } from '../../src/platform/db.ts';
import type { DatabaseHandle } from '../../src/platform/db.ts';
import { issueToken } from '../../src/platform/auth.ts';

/** Which database this run of the suite is for: see vitest.config.ts. */
export const onPostgres = process.env.TEST_DB === 'postgres';
export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-000';

export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({ DATABASE_URL: onPostgres ? process.env.DATABASE_URL : 'memory://', JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' });
  return { ...base, ...overrides };
}

/**
 * A migrated database for one test file: a fresh in-memory PGlite, or the PostgreSQL server of
 * DATABASE_URL, shared by every file (tests make their own data with unique names).
 */
export async function testDatabase(): Promise<DatabaseHandle> {
  if (onPostgres && !process.env.DATABASE_URL) throw new Error('TEST_DB=postgres needs DATABASE_URL');
  const database = await openDatabase(testConfig().database);
  await database.migrate();
  return database;
}

export interface TestApp {
  app: App;
  database: DatabaseHandle;
  /** Sends a request as an administrator (sub "test-admin" unless given). */
  request(method: string, url: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function adminToken(sub = 'test-admin', roles = ['admin']): Promise<string> {
  return (await issueToken(TEST_SECRET, { sub, roles, ttlSeconds: 3600 })).token;
}

/** An app on its own database connection(s); pass `database` to put several apps on one. */
export async function testApp(options: { database?: DatabaseHandle; config?: Partial<Config> } = {}): Promise<TestApp> {
  const ownsDatabase = !options.database;
  const database = options.database ?? (await testDatabase());
  const config = testConfig(options.config);
  const app = await buildApp({ config, database, jwtSecret: config.jwtSecret, logger: false });
  await app.ready();
  const defaultToken = await adminToken();
  return {
    app,
    database,
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

/** A short unique suffix, so that tests never collide on unique names. */
export function unique(): string {
  return randomUUID().slice(0, 8);
}
