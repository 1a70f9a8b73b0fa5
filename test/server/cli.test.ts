import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../support/app.ts';

const run = promisify(execFile);
const SECRET = 'cli-test-secret-cli-test-secret-0123456789';
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'allot-cli-'));
  dirs.push(dir);
  return dir;
}

function cli(script: string, args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', `cli/${script}.ts`, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

describe.runIf(!onPostgres)('npm run token', () => {
  it('prints a token signed with JWT_SECRET carrying sub, roles and the lifetime asked for', async () => {
    const { stdout } = await cli('token', ['--sub', 'ops-script', '--role', 'admin', '--ttl', '10m'], {
      JWT_SECRET: SECRET,
      DATA_DIR: dataDir(),
    });
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode(SECRET), { algorithms: ['HS256'] });
    expect(payload.sub).toBe('ops-script');
    expect(payload.roles).toEqual(['admin']);
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('without --sub exits non-zero with the usage', async () => {
    await expect(cli('token', ['--role', 'admin'], { JWT_SECRET: SECRET })).rejects.toMatchObject({
      stderr: expect.stringContaining('usage: npm run token'),
    });
  });
});

describe.runIf(!onPostgres)('npm run migrate', () => {
  it('migrates the embedded database in DATA_DIR, and again is a no-op', async () => {
    const dir = dataDir();
    for (let i = 0; i < 2; i++) {
      const { stdout } = await cli('migrate', [], { DATA_DIR: dir });
      expect(stdout).toContain('migrations applied (embedded)');
    }
  });
});
