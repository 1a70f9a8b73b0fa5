import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres, NodePgSession } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import { sql } from 'drizzle-orm';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from '../db/schema.ts';
import type { DatabaseTarget } from '../config.ts';

type Schema = typeof schema;

/** One Drizzle type for both drivers: every store function takes this or a transaction. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Executor = Database | Transaction;

/** Rows of a hand-written statement; both drivers answer `{ rows }`. */
export async function queryRows<Row>(db: Executor, query: SQL): Promise<Row[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: Row[] }).rows;
}

// ---------------------------------------------------------------------------------------------
// Prepared statements (PostgreSQL, direct connections)
// ---------------------------------------------------------------------------------------------

/**
 * The pools, and their connections, on which every statement is prepared once and then run by
 * name. A change is one long statement (checks, write, audit entry, answer); parsing and planning
 * it again at every request was most of PostgreSQL's work on the hot paths.
 */
const preparingConnections = new WeakSet<object>();
/** A statement's name is given by its text, the same on every connection of the process. */
const statementNames = new Map<string, string>();
/** Texts are made by the code, so they are few; past this many, a new text runs unnamed. */
const MAX_PREPARED_STATEMENTS = 500;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_PREPARED_STATEMENTS)
    statementNames.set(text, (name = `allot_${statementNames.size}`));
  return name;
}

// Drizzle names a statement only when asked to (`.prepare(name)`); here every statement it sends on
// a preparing connection is named by its text. Drizzle makes a session for each transaction, so
// the session is where this can be said once.
type Session = NodePgSession<Schema, ExtractTablesWithRelations<Schema>>;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with its session as `this`
const prepareQuery = NodePgSession.prototype.prepareQuery;
NodePgSession.prototype.prepareQuery = function (this: Session, query, fields, name, ...rest) {
  const client = (this as unknown as { client: object }).client;
  const named = name ?? (preparingConnections.has(client) ? statementName(query.sql) : undefined);
  return prepareQuery.call(this, query, fields, named, ...rest);
} as typeof prepareQuery;

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseTarget['kind'];
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

// Any fixed number works; it only has to be the same for every replica of allot.
const MIGRATION_LOCK_KEY = 7_413_301;

export interface DatabaseOptions {
  poolSize?: number;
  /** The longest a statement may run, lock waits included; default 5 s. */
  statementTimeoutMs?: number;
  /** `transaction`: a transaction pooler is in between, which keeps no session settings. */
  pooler?: 'none' | 'transaction';
  /** Whether each connection prepares every statement once and runs it by name; never behind a transaction pooler. */
  preparedStatements?: boolean;
}

export async function openDatabase(target: DatabaseTarget, options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  if (target.kind === 'postgres') return openPostgres(target.url, options);
  const dataDir = target.kind === 'embedded' ? path.join(target.dataDir, 'pgdata') : undefined;
  return openPglite(dataDir);
}

/** pg's error when no pooled connection frees up within connectionTimeoutMillis. */
export function isPoolExhausted(error: unknown): boolean {
  return error instanceof Error && error.message === 'timeout exceeded when trying to connect';
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const CONNECTION_MESSAGES = ['Connection terminated', 'is not queryable', 'Client was closed'];

/**
 * The connection to the database was refused or lost (down, restarting, network): no SQLSTATE,
 * only the socket's error or pg's message. Drizzle wraps the driver's error, so the chain of causes
 * is searched. What the server itself answers with a SQLSTATE is mapped in problems.ts.
 */
export function isConnectionLost(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) return true;
    if (CONNECTION_MESSAGES.some((message) => e instanceof Error && e.message.includes(message))) return true;
  }
  return false;
}

/** The SQLSTATE of a database error, on the error or (Drizzle wraps it) on a cause. */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<DatabaseHandle> {
  const { poolSize = 10, statementTimeoutMs = 5000, pooler = 'none', preparedStatements = pooler === 'none' } = options;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Bounded waiting: a request waits for a pooled connection no longer than for a statement.
    connectionTimeoutMillis: statementTimeoutMs,
    // On a direct connection, the session's settings bound every statement and every pause of a
    // transaction between statements (should this process stall holding locks). A transaction
    // pooler refuses these startup parameters and would not keep them anyway.
    ...(pooler === 'none' ? { statement_timeout: statementTimeoutMs, idle_in_transaction_session_timeout: statementTimeoutMs } : {}),
  });
  // A connection whose server went away must not crash the process; the query using it, or the
  // next, reports it. The pool listens only while a connection is idle: while one is lent out (a
  // transaction between two statements), its own listener is the only one.
  pool.on('error', () => {});
  const preparing = preparedStatements && pooler === 'none';
  pool.on('connect', (client) => {
    client.on('error', () => {});
    if (preparing) preparingConnections.add(client);
  });
  if (preparing) preparingConnections.add(pool);
  const db = drizzlePostgres(pool, { schema }) as unknown as Database;
  if (pooler === 'transaction') {
    boundEveryTransaction(db, statementTimeoutMs);
    boundEverySingleStatement(db);
  }
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await pool.query('select 1');
    },
    migrate: async () => {
      if (pooler === 'transaction') {
        await assertMigrated(db);
        return;
      }
      // A session lock on one dedicated connection (never through a transaction pooler):
      // replicas starting together apply the migrations once, the others wait and find them done.
      const client = await pool.connect();
      // A migration may hold several commands, which a named statement cannot.
      preparingConnections.delete(client);
      try {
        // Waiting for another replica's migrations, or building an index, may take longer than a request may.
        await client.query('set statement_timeout = 0');
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          await migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        // Its session lost the statement timeout above: it must not go back to serve requests.
        client.release(true);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Behind a transaction pooler, every transaction starts by setting its own timeouts (SET LOCAL),
 * so that its lock waits, statements and pauses are bounded: the transaction is the only state the
 * server keeps for allot there. Done here, once, so that no service can open an unbounded
 * transaction. On a direct connection the session's settings do it, without this round trip.
 */
function boundEveryTransaction(db: Database, timeoutMs: number): void {
  const transaction = db.transaction.bind(db);
  db.transaction = (work, config) =>
    transaction(async (tx) => {
      // Also bounded: the time it stays open between statements, should this process stall with its locks.
      await tx.execute(
        sql`select set_config('statement_timeout', ${String(timeoutMs)}, true),
                   set_config('idle_in_transaction_session_timeout', ${String(timeoutMs)}, true)`,
      );
      return work(tx);
    }, config);
}

/**
 * A statement sent as SQL (a change made in one statement, a list, the sign-in throttle) runs
 * outside a transaction, bounded by the session's statement_timeout; through a transaction pooler
 * there is none, so each runs in a transaction of its own, which sets it: three more round trips
 * (BEGIN, the settings, COMMIT), only there.
 */
function boundEverySingleStatement(db: Database): void {
  db.execute = ((query: SQL) => db.transaction((tx) => tx.execute(query))) as Database['execute'];
}

/**
 * Behind a transaction pooler the server does not migrate (the migration lock is a session lock,
 * which a pooler does not keep): it checks that `npm run migrate`, run over a direct connection,
 * applied every migration it was built with, and refuses to start otherwise.
 */
async function assertMigrated(db: Database): Promise<void> {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: { when: number }[] };
  const newest = Math.max(...journal.entries.map((entry) => entry.when));
  let applied = 0;
  try {
    const [row] = await queryRows<{ newest: string | null }>(db, sql`select max(created_at) as newest from drizzle.__drizzle_migrations`);
    applied = Number(row?.newest ?? 0);
  } catch (error) {
    // No migrations schema or table (42P01 undefined_table, 3F000 invalid_schema_name): nothing was applied.
    const code = sqlStateOf(error);
    if (code !== '42P01' && code !== '3F000') throw error;
  }
  if (applied < newest) {
    throw new MigrationsMissingError(
      'the database lacks migrations this server needs: run `npm run migrate` with DATABASE_URL pointing at PostgreSQL directly (not through the pooler), then start the server',
    );
  }
}

export class MigrationsMissingError extends Error {}

/**
 * Creates a new embedded database in a process of its own. Creating one (initdb) grows
 * WebAssembly memory to some 600 MiB, which a process never gives back; opening an existing one
 * takes about 200. So the server itself only ever opens one.
 */
function createEmbeddedDatabase(dataDir: string): void {
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)});
    const db = await PGlite.create(${JSON.stringify(dataDir)});
    await db.close();`;
  execFileSync(process.execPath, ['--input-type=module', '--eval', script], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function openPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  if (dataDir && !existsSync(path.join(dataDir, 'PG_VERSION'))) createEmbeddedDatabase(dataDir);
  const client = await PGlite.create(dataDir ?? 'memory://', {
    // PostgreSQL's default 128 MB of shared buffers is touched at start, in this process's memory:
    // 16 MB hold an office's fleet (the rest is in the file system's cache) and keep the embedded
    // server's memory under 400 MB.
    startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
    // The reservations' exclusion constraints index a vehicle's or a technician's id with GiST.
    extensions: { btree_gist },
  });
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: dataDir ? 'embedded' : 'memory',
    ping: async () => {
      await client.query('select 1');
    },
    migrate: async () => {
      // One process owns an embedded database (see data-dir.ts), so the lock only mirrors PostgreSQL.
      await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
      try {
        await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
      }
    },
    close: () => client.close(),
  };
}
