import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { API_TYPES_FILE, apiTypes } from '../../cli/openapi-types.ts';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

it('the checked-in api.d.ts is what the served document generates', async () => {
  const generated = await apiTypes(t.document);
  const checkedIn = await readFile(API_TYPES_FILE, 'utf8').catch(() => '');
  const lines = [checkedIn.split('\n'), generated.split('\n')] as const;
  const first = lines[1].findIndex((line, i) => line !== lines[0][i]);
  const where = first === -1 ? 'it has extra lines at the end' : `line ${first + 1} should be: ${lines[1][first]!.trim()}`;
  expect(checkedIn === generated, `console/src/api.d.ts differs from the served document (${where}): run npm run api:types`).toBe(true);
});

/** Compiles a TypeScript project with the repository's tsc: its diagnostics, '' when there are none. */
function compile(project: string): { output: string; status: number | null } {
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--pretty', 'false', '-p', join(root, project)],
    { cwd: root, encoding: 'utf8' },
  );
  return { output: `${tsc.stdout}${tsc.stderr}`.trim(), status: tsc.status };
}

it('an openapi-fetch client typed by it compiles as a TypeScript user writes it (strict, exactOptionalPropertyTypes)', () => {
  expect(compile('test/contract/tsconfig.json')).toEqual({ output: '', status: 0 });
});

it('the admin console, typed by it, compiles: the console cannot call what the API does not have', () => {
  expect(compile('console/tsconfig.json')).toEqual({ output: '', status: 0 });
});
