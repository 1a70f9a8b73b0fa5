import pg from 'pg';
import { expect, it } from 'vitest';

// Under CI a missing PostgreSQL must fail the run, never quietly shrink it to PGlite only.
it.runIf(process.env.CI === 'true')('CI runs the suite against a PostgreSQL server that answers', async () => {
  expect(process.env.DATABASE_URL, 'DATABASE_URL must be set under CI').toBeTruthy();
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const { rows } = await client.query<{ answer: number }>('select 1 as answer');
  await client.end();
  expect(rows[0]?.answer).toBe(1);
});

// The stress run goes through PgBouncer too: under CI it must be there, in front of the same database.
it.runIf(process.env.CI === 'true')('CI starts PgBouncer in front of the database, and it answers', async () => {
  expect(process.env.PGBOUNCER_URL, 'PGBOUNCER_URL must be set under CI').toBeTruthy();
  const client = new pg.Client({ connectionString: process.env.PGBOUNCER_URL });
  await client.connect();
  const { rows } = await client.query<{ name: string }>('select current_database() as name');
  await client.end();
  expect(rows[0]?.name).toBe(new URL(process.env.DATABASE_URL ?? '').pathname.slice(1));
});
