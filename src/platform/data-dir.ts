import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

/** DATA_DIR cannot be used: another server holds it, or others than its owner could read it. */
export class DataDirInUseError extends Error {}

/**
 * The embedded database (users' password hashes among its pages and WAL) and the secret belong to
 * the server's user alone: files made from now on are owner-only, and a directory or secret that
 * the group or others can reach is refused rather than used.
 */
function assertOwnerOnly(file: string, what: string): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new DataDirInUseError(
      `${what} ${file} can be reached by other users (mode ${mode.toString(8)}): run chmod ${what === 'DATA_DIR' ? '700' : '600'} ${file}`,
    );
  }
}

/**
 * PGlite sets the modes of the files it writes itself (0666), past the umask; DATA_DIR's own 0700
 * is what keeps them from other users. Directories are made owner-only here too, once the
 * database is open, so that a DATA_DIR loosened later still does not expose its contents.
 */
export function restrictDirectoriesToOwner(directory: string): void {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(directory, entry.name);
    chmodSync(full, 0o700);
    restrictDirectoriesToOwner(full);
  }
}

/** The minimum length of an HS256 key, the kept one as JWT_SECRET. */
const MIN_SECRET_BYTES = 32;

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the embedded database's directory for this process. PGlite itself lets two processes open
 * one directory and one of them then silently loses its writes, so a second server must refuse.
 * The lock file holds the owner's pid: a lock whose process is gone (kill -9, a crash) is stale and
 * is taken over. Returns the function that releases it.
 */
export function lockDataDir(dataDir: string): () => void {
  // Everything the embedded database writes from here on is owner-only, whatever the umask was.
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  assertOwnerOnly(dataDir, 'DATA_DIR');
  const lockFile = path.join(dataDir, 'allot.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) unlinkSync(lockFile);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && processIsAlive(owner)) {
        throw new DataDirInUseError(
          `the embedded database in ${dataDir} is in use by process ${owner}; stop that server or set DATA_DIR to another directory`,
        );
      }
      unlinkSync(lockFile);
    }
  }
  throw new DataDirInUseError(`could not lock ${dataDir}: another server is starting on it at the same moment`);
}

/**
 * The HS256 secret of the embedded mode: made once, kept in DATA_DIR readable by its owner only,
 * so tokens survive a restart without anyone having to configure a secret.
 */
export function embeddedJwtSecret(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) return keptSecret(file);
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return keptSecret(file);
    throw error;
  }
}

function keptSecret(file: string): string {
  assertOwnerOnly(file, 'the secret');
  const secret = readFileSync(file, 'utf8').trim();
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new DataDirInUseError(`the secret in ${file} is shorter than ${MIN_SECRET_BYTES} bytes: delete it to have a new one made`);
  }
  return secret;
}
