import { defineConfig } from 'vitest/config';

// `npm run test:stress`: the long suites, on PostgreSQL only (DATABASE_URL is required), and the
// race suites once more through PgBouncer in transaction pooling mode when PGBOUNCER_URL is set
// (`.ci/run` starts one). Each file says what it proves; the thresholds are in the files.
const shared = { testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false };
// Through the pooler: the whole suite, but the files that start server processes of their own and
// the migrations' (migrations run over a direct connection, never through a transaction pooler).
const throughPooler = {
  include: ['test/**/*.test.ts'],
  exclude: ['test/server/**', 'test/stress/**', 'test/hostile/**', 'test/platform/migrations.test.ts'],
};

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
