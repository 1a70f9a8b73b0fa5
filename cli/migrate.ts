// npm run migrate: applies the SQL migrations in migrations/ to the configured database, under the
// same advisory lock the server takes at start, then exits.
import { ConfigError, loadConfig, loadDotEnv } from '../src/config.ts';
import { lockDataDir } from '../src/platform/data-dir.ts';
import { openDatabase } from '../src/platform/db.ts';

try {
  loadDotEnv();
  const config = loadConfig();
  if (config.databasePooler === 'transaction') {
    throw new ConfigError(
      'migrations take a session lock, which a transaction pooler does not keep: run npm run migrate with DATABASE_URL of PostgreSQL itself and without DATABASE_POOLER',
    );
  }
  const release = config.database.kind === 'embedded' ? lockDataDir(config.dataDir) : () => {};
  try {
    const database = await openDatabase(config.database, { poolSize: 1, statementTimeoutMs: config.statementTimeoutMs });
    await database.migrate();
    await database.close();
    process.stdout.write(`migrations applied (${config.database.kind})\n`);
  } finally {
    release();
  }
} catch (error) {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`allot migrate: ${message}\n`);
  process.exit(1);
}
