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
