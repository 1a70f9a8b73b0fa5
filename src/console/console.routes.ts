import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The admin console as `npm run build` leaves it (cli/build-console.ts): index.html and the files
 * under assets/, whose names carry a hash of their content. From src/console/ under tsx and from
 * dist/console/ under node alike, ../../dist/public is the repository's dist/public/.
 */
const BUILT_CONSOLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/public');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

interface ConsoleFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

async function readConsoleFile(file: string): Promise<ConsoleFile> {
  const body = await readFile(file);
  const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

/** The files of assets/ by their path under it ('index-B2x9.js'), read once: a handful of small files. */
async function readAssets(directory: string): Promise<Map<string, ConsoleFile>> {
  const assets = new Map<string, ConsoleFile>();
  const under = path.join(directory, 'assets');
  for (const entry of await readdir(under, { recursive: true }).catch(() => [])) {
    const file = path.join(under, entry);
    if ((await stat(file)).isFile()) assets.set(entry.split(path.sep).join('/'), await readConsoleFile(file));
  }
  return assets;
}

/** If-None-Match compares weakly (RFC 9110 §13.1.2): W/"x" names the same version as "x". */
function isCurrent(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

function send(request: FastifyRequest, reply: FastifyReply, file: ConsoleFile) {
  reply.header('etag', file.etag);
  if (isCurrent(request, file.etag)) return reply.code(304).send();
  return reply.type(file.contentType).send(file.body);
}

/**
 * GET / and /assets/*: the admin console, kept in memory from the start, outside the API and its
 * document. Cache-Control and the page's Content-Security-Policy are set with the other security
 * headers (platform/security-headers.ts). Unbuilt (a checkout that skipped `npm run build`), `/`
 * sends to the API reference as it did before the console.
 */
export const consoleRoutes: FastifyPluginAsync<{ directory?: string }> = async (app, { directory = BUILT_CONSOLE }) => {
  const index = await readConsoleFile(path.join(directory, 'index.html')).catch(() => undefined);
  if (!index) {
    app.log.warn({ directory }, 'the admin console is not built, so / redirects to /docs: run `npm run build`');
    app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs'));
    return;
  }
  const assets = await readAssets(directory);

  app.get('/', { schema: { hide: true } }, async (request, reply) => send(request, reply, index));

  app.get<{ Params: { '*': string } }>('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params['*']);
    if (asset) return send(request, reply, asset);
    // Never kept: the file may be on its way (a replica still on the previous release answered).
    reply.header('cache-control', 'no-store');
    return reply.callNotFound();
  });
};
