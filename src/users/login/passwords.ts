import { availableParallelism } from 'node:os';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';
import { loginProblems } from './login.problems.ts';

/**
 * scrypt with N=2^15, r=8, p=3, one of OWASP's equivalent settings: about 230 ms and 32 MiB per
 * hash on a 2-core machine (N=2^17, p=1 costs as much time but 128 MiB). A hash made with other
 * parameters still verifies, and is remade with these at its user's next sign-in.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 3 };
const KEY_LENGTH = 32;
type ScryptParams = typeof SCRYPT_PARAMS;
let PARAMS: ScryptParams = SCRYPT_PARAMS;

/**
 * For the test suite only, which hashes thousands of passwords: at the production cost that alone
 * took minutes. The server never calls it; a hash made with other parameters is remade at sign-in.
 */
export function useScryptParamsForTests(params: ScryptParams): void {
  PARAMS = params;
}

/**
 * Hashing is slow on purpose, and runs on libuv's small thread pool: past a few at once, each
 * waits for the others. So as many run as there are cores, a few more wait their turn, and the
 * rest are refused at once (503 with Retry-After) instead of making every sign-in, the owner's
 * included, wait behind a flood of wrong ones.
 */
const RUNNING_LIMIT = Math.max(2, availableParallelism());
const WAITING_LIMIT = 8 * RUNNING_LIMIT;
let running = 0;
const waiting: Array<() => void> = [];

async function withHashSlot<T>(hash: () => Promise<T>): Promise<T> {
  if (running >= RUNNING_LIMIT) {
    if (waiting.length >= WAITING_LIMIT) throw loginProblems.passwordHashingBusy();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await hash();
  } finally {
    // The slot passes straight to the next in line, so `running` stays counted for it.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 128 * params.N * params.r * 2 };
  return withHashSlot(
    () =>
      new Promise((resolve, reject) =>
        scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
      ),
  );
}

/** "scrypt$N$r$p$salt$hash", base64url parts: the parameters travel with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether a stored hash was made with other parameters than the current ones. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) !== PARAMS.N || Number(r) !== PARAMS.r || Number(p) !== PARAMS.p;
}

// Checked when there is no hash to check, so that a wrong email costs as long as a wrong password:
// a hash of nothing in particular, with the current parameters, which no password matches.
const decoy = () =>
  ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, randomBytes(16).toString('base64url'), randomBytes(KEY_LENGTH).toString('base64url')].join('$');

async function matches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** False for a user without a password too, after the same amount of work. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const ok = await matches(password, stored ?? decoy());
  return ok && stored != null;
}
