import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

let t: TestApp;
let directory: string;
beforeAll(async () => {
  t = await testApp();
  directory = await mkdtemp(join(tmpdir(), 'allot-openapi-'));
});
afterAll(async () => {
  await t.close();
  await rm(directory, { recursive: true, force: true });
});

/** Redocly CLI's lint of the document, offline: no usage data sent, no update check. */
function lint(file: string): LintProblem[] {
  const run = spawnSync(process.execPath, [cli, 'lint', '--format=json', `--config=${join(root, 'redocly.yaml')}`, file], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' },
  });
  if (!run.stdout.trim().startsWith('{')) throw new Error(`redocly lint gave no report (exit ${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { problems: LintProblem[] }).problems;
}

const summary = (problem: LintProblem) => `${problem.ruleId} at ${problem.location[0]?.pointer ?? '?'}: ${problem.message}`;

it('the served OpenAPI document passes Redocly lint (recommended) with no error and an operationId on every operation', async () => {
  const file = join(directory, 'openapi.json');
  await writeFile(file, JSON.stringify(t.document, null, 2));
  const problems = lint(file);

  const errors = problems.filter((p) => p.severity === 'error');
  const missingIds = problems.filter((p) => p.ruleId === 'operation-operationId');
  const warnings = problems.filter((p) => p.severity !== 'error' && p.ruleId !== 'operation-operationId');
  const counts = new Map<string, number>();
  for (const warning of warnings) counts.set(warning.ruleId, (counts.get(warning.ruleId) ?? 0) + 1);
  const report = [
    ...errors.map((p) => `error ${summary(p)}`),
    ...missingIds.map((p) => `warning ${summary(p)}`),
    `other warnings: ${[...counts].map(([rule, n]) => `${rule} ×${n}`).join(', ') || 'none'}`,
  ].join('\n');

  expect(errors.map(summary), report).toEqual([]);
  expect(missingIds.map(summary), report).toEqual([]);
});
