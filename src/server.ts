import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from './app.ts';
import type { App } from './app.ts';
import { assertTokensCanBeTrusted, ConfigError, loadConfig, loadDotEnv } from './config.ts';
import { DataDirInUseError, lockDataDir, restrictDirectoriesToOwner } from './platform/data-dir.ts';
import { MigrationsMissingError, openDatabase } from './platform/db.ts';
import { resolveJwtSecret } from './platform/secret.ts';
import { bootstrapAdministrator } from './users/login/bootstrap.ts';

const SHUTDOWN_GRACE_MS = 10_000;

function fail(message: string): never {
  process.stderr.write(`allot: ${message}\n`);
  process.exit(1);
}

/**
 * The generated administrator's password never goes into the log stream: on a terminal it is
 * printed there; otherwise (a service, a container, a pipe) it is written to an owner-only file in
 * DATA_DIR, and only that file's path is logged.
 */
function showOnce(lines: string[], dataDir: string, app: App): void {
  if (lines.length === 0) return;
  if (process.stdout.isTTY) {
    for (const line of lines) process.stdout.write(`${line}\n`);
    return;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'admin-password.txt');
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  app.log.warn({ file }, 'created the administrator admin@localhost; its password is in this file (read it, then delete it)');
}

async function main() {
  loadDotEnv();
  const config = loadConfig();
  assertTokensCanBeTrusted(config);
  const releaseDataDir = config.database.kind === 'embedded' ? lockDataDir(config.dataDir) : () => {};
  const jwtSecret = resolveJwtSecret(config);

  const database = await openDatabase(config.database, {
    statementTimeoutMs: config.statementTimeoutMs,
    poolSize: config.databasePoolSize,
    pooler: config.databasePooler,
    preparedStatements: config.preparedStatements,
  });
  await database.migrate();
  if (config.database.kind === 'embedded') restrictDirectoriesToOwner(config.dataDir);

  const displayHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const firstRunLines = await bootstrapAdministrator(database.db, config, `http://${displayHost}:${config.port}`);

  const app = await buildApp({ config, database, jwtSecret });
  await app.listen({ port: config.port, host: config.host });
  // Bound to HOST like the API: what keeps /metrics from clients is that the load balancer forwards
  // PORT alone. It closes with the app (stop() below).
  if (app.metricsListener) {
    const address = await app.metricsListener.listen({ port: config.metricsPort, host: config.host });
    app.log.info({ address }, 'GET /metrics is served on its own port');
  }
  showOnce(firstRunLines, config.dataDir, app);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    // A keep-alive connection that was busy when close() began turns idle only after its answer;
    // sweep such connections as they go idle, and cut the rest after a grace period.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    try {
      await app.close();
      clearInterval(sweep);
      clearTimeout(deadline);
      await database.close();
    } finally {
      releaseDataDir();
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof MigrationsMissingError) fail(error.message);
  process.stderr.write(`allot: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
