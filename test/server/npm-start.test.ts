import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { onPostgres } from '../support/app.ts';
import { descendantsOf, isRunning, startWithNpm, waitUntilReady } from './process.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// What a process manager or a container runtime does: signal the process it started, here npm.
// Once, on the embedded database: the run builds dist/, which two projects must not do at once.
describe.runIf(!onPostgres)('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s to npm the server shuts down gracefully, npm exits 0 and no process is left',
    async (signal) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'allot-npm-start-'));
      dirs.push(dir);
      const server = await startWithNpm({ DATA_DIR: dir, JWT_SECRET: 'n'.repeat(32), LOG_LEVEL: 'info' });
      const npm = server.child.pid!;
      const processes: number[] = [];
      // A failed test must not leave its server running either.
      onTestFinished(() => {
        for (const pid of [npm, ...processes]) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      });
      await waitUntilReady(server);
      processes.push(...(await descendantsOf(npm)));
      // The pid that holds the embedded database is the server's: npm runs it, not a shell left in between.
      const serverPid = Number.parseInt(readFileSync(path.join(dir, 'allot.pid'), 'utf8'), 10);
      expect(processes).toEqual([serverPid]);

      server.child.kill(signal);
      // The server's own grace period is 10 s: waiting longer means the signal never reached it.
      const stillRunning = new Promise((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000).unref());
      expect(await Promise.race([server.exited, stillRunning])).toBe(0);
      expect(server.output()).toContain(`"signal":"${signal}","msg":"shutting down`);
      await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
      for (const pid of [npm, ...processes]) expect(isRunning(pid), `process ${pid} is still running`).toBe(false);
    },
  );
});
