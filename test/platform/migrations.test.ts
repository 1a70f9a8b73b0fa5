import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import * as schema from '../../src/db/schema.ts';
import { expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../src/platform/db.ts';
import { onPostgres } from '../support/app.ts';

// Replicas that start together on an empty PostgreSQL database must apply the migrations once.
it.runIf(onPostgres)(
  'three replicas migrating one fresh PostgreSQL database at once all succeed, applying each migration once',
  async () => {
    const server = new URL(process.env.DATABASE_URL!);
    const name = `allot_migrate_${randomUUID().slice(0, 8)}`;
    const admin = new pg.Client({ connectionString: server.toString() });
    await admin.connect();
    await admin.query(`create database ${name}`);
    try {
      const url = new URL(server);
      url.pathname = `/${name}`;
      const replicas = await Promise.all([1, 2, 3].map(() => openDatabase({ kind: 'postgres', url: url.toString() }, { poolSize: 2 })));
      try {
        await Promise.all(replicas.map((replica) => replica.migrate()));
        const check = new pg.Client({ connectionString: url.toString() });
        await check.connect();
        const applied = await check.query('select count(*)::int as n from drizzle.__drizzle_migrations');
        const tables = await check.query("select count(*)::int as n from pg_tables where schemaname = 'public'");
        await check.end();
        const journal = (await import('../../migrations/meta/_journal.json', { with: { type: 'json' } })).default;
        expect(applied.rows[0].n).toBe(journal.entries.length);
        // Every table of the schema, and no other.
        expect(tables.rows[0].n).toBe(Object.values(schema).filter((value) => is(value, PgTable)).length);
      } finally {
        await Promise.all(replicas.map((replica) => replica.close()));
      }
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  },
);

it.runIf(onPostgres)('the connection the migrations ran on does not go back to the pool without its statement timeout', async () => {
  const database = await openDatabase(
    { kind: 'postgres', url: process.env.DIRECT_DATABASE_URL ?? process.env.DATABASE_URL! },
    { poolSize: 1, statementTimeoutMs: 1234 },
  );
  try {
    await database.migrate();
    const [row] = await queryRows<{ statement_timeout: string }>(database.db, sql`show statement_timeout`);
    expect(row!.statement_timeout).toBe('1234ms');
  } finally {
    await database.close();
  }
});

it.runIf(onPostgres)(
  'on a direct connection, a transaction that pauses longer than the statement timeout between statements is ended by the server',
  async () => {
    const database = await openDatabase(
      { kind: 'postgres', url: process.env.DIRECT_DATABASE_URL ?? process.env.DATABASE_URL! },
      { poolSize: 1, statementTimeoutMs: 300 },
    );
    try {
      const stalled = database.db.transaction(async (tx) => {
        const [row] = await queryRows<{ idle_in_transaction_session_timeout: string }>(tx, sql`show idle_in_transaction_session_timeout`);
        expect(row!.idle_in_transaction_session_timeout).toBe('300ms');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await queryRows(tx, sql`select 1`);
      });
      await expect(stalled).rejects.toThrow();
    } finally {
      await database.close();
    }
  },
);
