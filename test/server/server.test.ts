import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { onPostgres } from '../support/app.ts';
import { expectProblem, readResponse } from '../support/problems.ts';
import { startServer, waitUntilReady } from './process.ts';
import type { ServerProcess } from './process.ts';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'allot-test-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function login(server: ServerProcess, email: string, password: string) {
  return fetch(`http://127.0.0.1:${server.port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
}

// These start the real server process; the embedded database makes them independent of DATABASE_URL.
describe.runIf(!onPostgres)('the embedded server process', () => {
  it('keeps DATA_DIR, every directory in it and the secret owner-only, whatever the umask', async () => {
    const dir = path.join(dataDir(), 'fresh');
    const server = await startServer({ DATA_DIR: dir });
    onTestFinished(() => {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    });
    await waitUntilReady(server);
    const reachable: string[] = [];
    const walk = (at: string) => {
      for (const entry of readdirSync(at, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const full = path.join(at, entry.name);
        if ((statSync(full).mode & 0o077) !== 0) reachable.push(`${full} ${(statSync(full).mode & 0o777).toString(8)}`);
        walk(full);
      }
    };
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    walk(dir);
    expect(reachable).toEqual([]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it.each([
    ['a DATA_DIR others can read (0755)', (dir: string) => chmodSync(dir, 0o755), /DATA_DIR .* can be reached by other users \(mode 755\)/],
    [
      'a secret others can read (0644)',
      (dir: string) => writeFileSync(path.join(dir, 'jwt-secret'), `${'s'.repeat(43)}\n`, { mode: 0o644 }),
      /the secret .* can be reached by other users \(mode 644\)/,
    ],
    [
      'a secret of 3 bytes',
      (dir: string) => writeFileSync(path.join(dir, 'jwt-secret'), 'abc\n', { mode: 0o600 }),
      /shorter than 32 bytes/,
    ],
  ])('refuses to start with %s, saying what to do', async (_case, prepare, message) => {
    const dir = dataDir();
    prepare(dir);
    const server = await startServer({ DATA_DIR: dir });
    expect(await server.exited).not.toBe(0);
    expect(server.output()).toMatch(message);
  });

  it('a generated administrator: its password never in the output, but in an owner-only file whose path is logged; a restart makes none', async () => {
    const dir = dataDir();
    const first = await startServer({ DATA_DIR: dir });
    await waitUntilReady(first);
    const file = path.join(dir, 'admin-password.txt');
    expect(first.output()).toContain(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = /admin@localhost with the password (\S+)/.exec(readFileSync(file, 'utf8'))?.[1];
    expect(password).toBeTruthy();
    expect(first.output()).not.toContain(password);
    const response = await login(first, 'admin@localhost', password!);
    expect(response.status).toBe(200);
    expect(first.output()).not.toContain((await response.json()).token);
    expect(statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startServer({ DATA_DIR: dir });
    await waitUntilReady(second);
    expect(second.output()).not.toContain('password');
    expect((await login(second, 'admin@localhost', password!)).status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('a second server on the same DATA_DIR refuses to start, naming the directory and the holder', async () => {
    const dir = dataDir();
    const first = await startServer({ DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32) });
    await waitUntilReady(first);
    const second = await startServer({ DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32) });
    expect(await second.exited).not.toBe(0);
    const lines = second.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(dir);
    expect(lines[0]).toContain(String(first.child.pid));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('an acknowledged write survives kill -9, and the stale lock does not block the next start', async () => {
    const dir = dataDir();
    const env = { DATA_DIR: dir, ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'correct horse battery' };
    const first = await startServer(env);
    await waitUntilReady(first);
    const { token } = await (await login(first, 'ops@example.com', 'correct horse battery')).json();
    const created = await fetch(`http://127.0.0.1:${first.port}/api/admin/vehicles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ plateNumber: 'CRASH-1' }),
    });
    expect(created.status).toBe(201);
    const { vehicle } = await created.json();
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServer(env);
    await waitUntilReady(second);
    const read = await fetch(`http://127.0.0.1:${second.port}/api/admin/vehicles/${vehicle.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);
    expect((await read.json()).vehicle.plateNumber).toBe('CRASH-1');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

describe('refusing to start insecurely', () => {
  it('DATABASE_URL without JWT_SECRET or JWKS_URL exits non-zero with one line', async () => {
    const server = await startServer({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/none' });
    expect(await server.exited).not.toBe(0);
    expect(server.output().trim()).toMatch(/^allot: refusing to start: .*JWT_SECRET.*JWKS_URL/);
  });

  it('a JWT_SECRET shorter than 32 bytes is refused', async () => {
    const server = await startServer({ DATABASE_URL: 'memory://', JWT_SECRET: 'short' });
    expect(await server.exited).not.toBe(0);
    expect(server.output()).toContain('at least 32 bytes');
  });
});

describe('JWKS_URL without JWT_SECRET: only the identity provider issues tokens', () => {
  const databases: [string, Record<string, string>][] = onPostgres
    ? [['PostgreSQL', { DATABASE_URL: process.env.DATABASE_URL ?? '' }]]
    : [
        ['the embedded database', {}],
        ['the in-memory database', { DATABASE_URL: 'memory://' }],
      ];
  it.each(databases)('on %s the server issues no token: login is 503 and no secret is made', async (_database, env) => {
    const dir = dataDir();
    const server = await startServer({
      ...env,
      DATA_DIR: dir,
      JWKS_URL: 'http://127.0.0.1:9/jwks.json',
      JWT_ISSUER: 'https://idp.example',
      JWT_AUDIENCE: 'allot',
    });
    onTestFinished(() => {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    });
    await waitUntilReady(server);
    expectProblem(await readResponse(await login(server, 'admin@localhost', 'any password at all')), 503, 'login-unavailable');
    expect(existsSync(path.join(dir, 'jwt-secret'))).toBe(false);
    // Nor a generated administrator's password, which could sign nobody in.
    expect(server.output()).not.toContain('password');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});

describe.runIf(!onPostgres)('shutting down', () => {
  it('on SIGTERM a request in flight still gets its answer, then the process exits 0', async () => {
    const env = { DATA_DIR: dataDir(), ADMIN_EMAIL: 'drain@example.com', ADMIN_PASSWORD: 'correct horse battery' };
    const server = await startServer(env);
    await waitUntilReady(server);
    // A sign-in spends tens of milliseconds hashing: long enough to be in flight when the signal lands.
    const inFlight = login(server, 'drain@example.com', 'correct horse battery');
    await new Promise((resolve) => setTimeout(resolve, 15));
    server.child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    expect(await server.exited).toBe(0);
  });
});

// Behind a transaction pooler the server does not migrate: it checks, and says what to run.
describe.runIf(onPostgres)('DATABASE_POOLER=transaction (PostgreSQL)', () => {
  it('on a database without the migrations the server refuses to start, saying to run npm run migrate over a direct connection', async () => {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const name = `allot_unmigrated_${Date.now()}`;
    await admin.query(`create database ${name}`);
    onTestFinished(async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    });
    const url = new URL(process.env.DATABASE_URL ?? '');
    url.pathname = `/${name}`;
    const server = await startServer({ DATABASE_URL: url.toString(), DATABASE_POOLER: 'transaction', JWT_SECRET: 'x'.repeat(32) });
    expect(await server.exited).not.toBe(0);
    expect(server.output().trim()).toMatch(/^allot: the database lacks migrations .*npm run migrate.* directly/);
  });
});
