import { defineConfig } from 'vitest/config';

// The suite runs on the embedded PostgreSQL (PGlite) always, and again on a PostgreSQL server
// when DATABASE_URL is set (CI sets it). TEST_DB tells the support code which one a run is for.
const include = ['test/**/*.test.ts'];
// The long suites run in `npm run test:stress` (vitest.stress.config.ts).
const exclude = ['test/stress/**'];
// Files that hold the document, the configuration or the built console, not the database: they run
// once, on PGlite (serving.test.ts builds dist/public/ when stale, which two projects must not do at once).
const databaseFree = [
  'test/config.test.ts',
  'test/contract/openapi-lint.test.ts',
  'test/contract/typed-client.test.ts',
  'test/console/serving.test.ts',
];
// Files share their worker's module cache (isolate: false): no test mocks a module or keeps state
// in one, and every file opens its own database and apps. It took a 57 s part of the suite to 39 s.
// Passwords are hashed at a test cost (test/support/fast-passwords.ts).
const setupFiles = ['test/support/fast-passwords.ts'];
const shared = { include, exclude, setupFiles, isolate: false, testTimeout: 60_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'pglite', env: { TEST_DB: 'pglite' } } },
      ...(process.env.DATABASE_URL
        ? [{ test: { ...shared, exclude: [...exclude, ...databaseFree], name: 'postgres', env: { TEST_DB: 'postgres' } } }]
        : []),
    ],
  },
});
