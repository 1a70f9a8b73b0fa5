import { defineConfig } from 'vitest/config';

// The suite runs on the embedded PostgreSQL (PGlite) always, and again on a PostgreSQL server
// when DATABASE_URL is set (CI sets it). TEST_DB tells the support code which one a run is for.
const include = ['test/**/*.test.ts'];
// The long suites run in `npm run test:stress` (vitest.stress.config.ts).
const exclude = ['test/stress/**'];
const shared = { include, exclude, testTimeout: 60_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'pglite', env: { TEST_DB: 'pglite' } } },
      ...(process.env.DATABASE_URL ? [{ test: { ...shared, name: 'postgres', env: { TEST_DB: 'postgres' } } }] : []),
    ],
  },
});
