import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../src/platform/db.ts';
import type { DatabaseHandle } from '../../src/platform/db.ts';
import { onPostgres } from '../support/app.ts';

// PostgreSQL itself: where the suite runs through PgBouncer, DIRECT_DATABASE_URL bypasses it.
const directUrl = () => process.env.DIRECT_DATABASE_URL ?? process.env.DATABASE_URL!;
// One connection, so that the statements run and the view that lists them share a session.
const open = (preparedStatements?: boolean) => openDatabase({ kind: 'postgres', url: directUrl() }, { poolSize: 1, preparedStatements });

const prepared = async (database: DatabaseHandle) =>
  (await queryRows<{ statement: string }>(database.db, sql`select statement from pg_prepared_statements`)).map((row) => row.statement);

describe.runIf(onPostgres)('prepared statements (PostgreSQL)', () => {
  let database: DatabaseHandle | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('are made once per connection for each statement text, and reused with other values', async () => {
    database = await open();
    for (const n of [1, 2, 3]) {
      expect(await queryRows(database.db, sql`select ${n}::int + 1 as "next"`)).toEqual([{ next: n + 1 }]);
    }
    const statements = await prepared(database);
    expect(statements.filter((statement) => statement.includes('$1::int + 1'))).toHaveLength(1);
  });

  it('work inside a transaction too, on its connection', async () => {
    database = await open();
    const rows = await database.db.transaction((tx) => queryRows<{ total: number }>(tx, sql`select ${41}::int + 1 as total`));
    expect(rows).toEqual([{ total: 42 }]);
    expect((await prepared(database)).some((statement) => statement.includes('as total'))).toBe(true);
  });

  it('are not made when switched off (DATABASE_PREPARED_STATEMENTS=false, or a transaction pooler)', async () => {
    database = await open(false);
    await queryRows(database.db, sql`select ${1}::int as one`);
    expect(await prepared(database)).toEqual([]);
    await database.close();
    database = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL! }, { poolSize: 1, pooler: 'transaction' });
    await queryRows(database.db, sql`select ${1}::int as one`);
    expect(await prepared(database)).toEqual([]);
  });

  it('answer dates and intervals as PostgreSQL writes them, as unprepared statements do', async () => {
    const query = sql`select '2026-01-02T03:04:05.678Z'::timestamptz at time zone 'UTC' as local, '2026-01-02'::date as day,
      interval '90 minutes' as span, ${'x'}::text as word, 7::int as n, '{"a":1}'::jsonb as doc`;
    database = await open(true);
    const withNames = await queryRows(database.db, query);
    await database.close();
    database = await open(false);
    expect(withNames).toEqual(await queryRows(database.db, query));
    expect(withNames).toEqual([{ local: '2026-01-02 03:04:05.678', day: '2026-01-02', span: '01:30:00', word: 'x', n: 7, doc: { a: 1 } }]);
  });
});
