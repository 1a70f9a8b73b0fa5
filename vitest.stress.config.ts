import { defineConfig } from 'vitest/config';

// `npm run test:stress`: the long suites (crash, hostile input at full size) on PostgreSQL
// (DATABASE_URL is required), and the whole suite once more through PgBouncer in transaction
// pooling mode when PGBOUNCER_URL points at one in front of the same database (`.ci/run` starts it).
// Passwords are hashed at a test cost (test/support/fast-passwords.ts).
const shared = { testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false, setupFiles: ['test/support/fast-passwords.ts'] };
// Through the pooler: the whole suite, but the files that start server processes of their own, the
// migrations' (migrations run over a direct connection, never through a transaction pooler) and the
// console's (a browser against a database of its own, which it creates on the server directly).
const throughPooler = {
  include: ['test/**/*.test.ts'],
  exclude: ['test/server/**', 'test/stress/**', 'test/hostile/**', 'test/platform/migrations.test.ts', 'test/console/**'],
};

if (!process.env.DATABASE_URL) throw new Error('npm run test:stress needs DATABASE_URL=postgres://… (a database it may fill)');
// In CI the pooler run is part of the proof: without PgBouncer the run fails instead of skipping it.
if (process.env.CI === 'true' && !process.env.PGBOUNCER_URL) throw new Error('CI runs the suite through PgBouncer: set PGBOUNCER_URL');

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'stress',
          include: ['test/stress/**/*.test.ts', 'test/hostile/**/*.test.ts'],
          env: { TEST_DB: 'postgres', STRESS: 'true' },
        },
      },
      ...(process.env.PGBOUNCER_URL
        ? [
            {
              test: {
                ...shared,
                name: 'pgbouncer',
                ...throughPooler,
                env: { TEST_DB: 'postgres', DATABASE_URL: process.env.PGBOUNCER_URL, DIRECT_DATABASE_URL: process.env.DATABASE_URL ?? '' },
              },
            },
          ]
        : []),
    ],
  },
});
