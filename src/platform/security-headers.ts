import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet from 'helmet';
import type { HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Headers of every answer, by helmet: no type sniffing, no framing (frame-ancestors, and
 * X-Frame-Options for browsers without it), no referrer, no cross-origin embedding of a response
 * (Cross-Origin-Resource-Policy) and no window shared with another origin's page. Nothing the API
 * answers is meant to be rendered, so its policy lets nothing load at all; the two pages, the
 * reference and the console, have policies of their own below.
 *
 * No Strict-Transport-Security: the server speaks plain HTTP and never sees TLS, which ends at the
 * load balancer. Browsers ignore the header over HTTP, and behind TLS helmet's default (a year, every
 * subdomain) would pin host names the server does not own: the TLS terminator sets it.
 */
const EVERY_ANSWER: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
};

/**
 * The one inline style of the reference page: the <style> inside Swagger UI's own logo, drawn for
 * a moment before @fastify/swagger-ui puts its logo (an image, a data: URI) in its place. Its hash,
 * not 'unsafe-inline'; a test checks that the served Swagger UI still holds exactly this style.
 */
export const SWAGGER_LOGO_STYLE_HASH = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';

/**
 * What a page of allot's own may load: its own script files and style sheets (no inline script, no
 * CDN), images of its own or as data: URIs, and requests to its own origin. It is never framed, and
 * no plugin, <base> or inline event handler can run.
 */
const OWN_FILES_ONLY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * The reference page runs Swagger UI as @fastify/swagger-ui serves it: three script files and two
 * style sheets of its own, icons as data: URIs in its CSS, and the document fetched from the same
 * origin, as are the requests of "Try it out". The policy allows exactly that, and the one inline
 * style by its hash (checked in Chromium: no violation, and "Try it out" and "Authorize" work).
 */
const DOCS_ANSWER: HelmetOptions = {
  ...EVERY_ANSWER,
  contentSecurityPolicy: { useDefaults: false, directives: { ...OWN_FILES_ONLY, styleSrc: ["'self'", `'${SWAGGER_LOGO_STYLE_HASH}'`] } },
};

const isDocs = (path: string) => path === '/docs' || path.startsWith('/docs/');

/**
 * The admin console (src/console/) is a page built by Vite from the repository's own sources: one
 * module script and its style sheet under /assets/, no inline script or style, and every request to
 * the API on the same origin. Its own files only, without the reference page's inline style.
 */
const CONSOLE_ANSWER: HelmetOptions = {
  ...EVERY_ANSWER,
  contentSecurityPolicy: { useDefaults: false, directives: OWN_FILES_ONLY },
};

const isConsoleAsset = (path: string) => path.startsWith('/assets/');
const isConsole = (path: string) => path === '/' || isConsoleAsset(path);

/**
 * Whether an answer may be kept by a browser or a proxy. An API answer never: it holds tokens and
 * people's data, and goes stale at the next change. Nor do the service endpoints' answers (health,
 * metrics), true only when they are made. The reference page and the document hold neither and
 * change only with a release: they may be kept, but are checked with the server at every use
 * (no-cache; Swagger UI's files say `public, max-age=0` and carry an ETag, to the same effect), so
 * that a new release's document is seen at once. The console's page likewise (no-cache, with an
 * ETag): it names the files of its release. Those files, under /assets/, are named by a hash of their
 * content, so a name never holds anything else: they are kept a year and never checked again
 * (immutable). A missing file's 404 is not kept (console.routes.ts says no-store).
 */
function cacheControl(path: string): string {
  if (isConsoleAsset(path)) return 'public, max-age=31536000, immutable';
  return isDocs(path) || path === '/openapi.json' || path === '/' ? 'no-cache' : 'no-store';
}

/**
 * helmet's headers for these options, worked out once: they depend on nothing in the request.
 * @fastify/helmet builds helmet's middleware again for every request, which halved the requests
 * per second of GET /healthz (27 000 → 13 000 on the benchmark machine); these cost nothing measurable.
 */
function headersOf(options: HelmetOptions): Record<string, string> {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  helmet(options)(response.req, response, () => {});
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]));
}

/**
 * Answers the router or Node's parser refuses before any hook runs (a malformed request, a path
 * segment too long) carry none of these: they hold no more than a problem body.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const everyAnswer = headersOf(EVERY_ANSWER);
  const docsAnswer = headersOf(DOCS_ANSWER);
  const consoleAnswer = headersOf(CONSOLE_ANSWER);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    reply.headers(isDocs(path) ? docsAnswer : isConsole(path) ? consoleAnswer : everyAnswer);
    reply.header('cache-control', cacheControl(path));
  });
}
