// npm run build's second half (so also `npm install` and `npm start`): builds the admin console
// (console/ → dist/public/, which the server reads at start) with Vite, only when its build is
// missing or older than its sources, so that a start after a change serves the change and a start
// without one costs no build. The build is never emptied in place: Vite writes to a fresh directory
// beside it, whose files are then moved in, index.html last. A run started meanwhile (a test, `npm start`) sees the old console or
// the new one, never half of each.
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = path.join(REPO, 'console');
const BUILT = path.join(REPO, 'dist/public');
const INDEX = path.join(BUILT, 'index.html');

/** Every file and directory under a directory, as paths relative to it (a directory's time changes when a file goes). */
function entriesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' });
}

const modified = (file: string) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;

function isStale(): boolean {
  const built = modified(INDEX);
  const inputs = [SOURCES, ...entriesUnder(SOURCES).map((entry) => path.join(SOURCES, entry))];
  return [...inputs, path.join(REPO, 'vite.config.ts'), path.join(REPO, 'package-lock.json')].some((input) => modified(input) > built);
}

/** Moves a finished build into dist/public/ and removes the assets the previous build left. */
function publish(staging: string): void {
  const files = entriesUnder(staging).filter((entry) => statSync(path.join(staging, entry)).isFile() && entry !== 'index.html');
  for (const file of files) {
    mkdirSync(path.dirname(path.join(BUILT, file)), { recursive: true });
    renameSync(path.join(staging, file), path.join(BUILT, file));
  }
  renameSync(path.join(staging, 'index.html'), INDEX);
  const current = new Set(files);
  for (const entry of entriesUnder(path.join(BUILT, 'assets'))) {
    const file = path.join('assets', entry);
    if (!current.has(file) && statSync(path.join(BUILT, file)).isFile()) rmSync(path.join(BUILT, file));
  }
}

export async function buildConsole({ force = false }: { force?: boolean } = {}): Promise<'built' | 'up to date'> {
  if (!force && !isStale()) return 'up to date';
  mkdirSync(path.dirname(BUILT), { recursive: true });
  const staging = mkdtempSync(path.join(path.dirname(BUILT), '.console-'));
  try {
    // Loaded only when a build is due, so that an up-to-date console adds little to `npm start`.
    const { build } = await import('vite');
    // root and outDir absolute: vite.config.ts's are relative to the working directory.
    await build({
      configFile: path.join(REPO, 'vite.config.ts'),
      root: SOURCES,
      logLevel: 'warn',
      build: { outDir: staging, emptyOutDir: true },
    });
    mkdirSync(path.join(BUILT, 'assets'), { recursive: true });
    publish(staging);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return 'built';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  try {
    const outcome = await buildConsole({ force: process.argv.includes('--force') });
    process.stdout.write(
      outcome === 'built' ? `console built in ${Date.now() - started} ms: dist/public/\n` : 'console up to date: dist/public/\n',
    );
  } catch (error) {
    // Vite has printed what failed and where.
    process.stderr.write(`allot build-console: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
