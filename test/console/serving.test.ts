import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../cli/build-console.ts';
import { consoleRoutes } from '../../src/console/console.routes.ts';
import { SWAGGER_LOGO_STYLE_HASH } from '../../src/platform/security-headers.ts';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { expectProblem } from '../support/problems.ts';
import { directives } from '../support/csp.ts';

// The console as `npm run build` leaves it in dist/public/ (built here when missing or stale), and
// two directories of its shape: files of every kind the server serves, and an unbuilt console.
const fixtures = mkdtempSync(path.join(tmpdir(), 'allot-console-'));
const KINDS = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'logo.svg': 'image/svg+xml',
  'logo.png': 'image/png',
  'favicon.ico': 'image/x-icon',
  'font.woff2': 'font/woff2',
};
mkdirSync(path.join(fixtures, 'every-kind/assets'), { recursive: true });
writeFileSync(path.join(fixtures, 'every-kind/index.html'), '<!doctype html><title>fixture</title>');
for (const name of Object.keys(KINDS)) writeFileSync(path.join(fixtures, 'every-kind/assets', name), `content of ${name}`);
mkdirSync(path.join(fixtures, 'unbuilt'));

const logLines: string[] = [];
let t: TestApp;
beforeAll(async () => {
  await buildConsole();
  t = await testApp({
    config: { logLevel: 'warn' },
    logger: { write: (line) => logLines.push(line) },
    routes: async (testOnly) => {
      await testOnly.register(consoleRoutes, { prefix: '/test/every-kind', directory: path.join(fixtures, 'every-kind') });
      await testOnly.register(consoleRoutes, { prefix: '/test/unbuilt', directory: path.join(fixtures, 'unbuilt') });
    },
  });
});
afterAll(async () => {
  await t.close();
  rmSync(fixtures, { recursive: true, force: true });
});

/** The files the page names: its module script(s) and style sheet(s). */
async function pageFiles(): Promise<{ scripts: string[]; styleSheets: string[] }> {
  const page = (await t.app.inject({ method: 'GET', url: '/' })).body;
  const scripts = [...page.matchAll(/<script type="module"[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1]!);
  const styleSheets = [...page.matchAll(/<link rel="stylesheet"[^>]*\shref="([^"]+)"/g)].map((match) => match[1]!);
  return { scripts, styleSheets };
}

describe('GET /', () => {
  it('serves the console page: HTML whose module script is one of its own files under /assets/', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const { scripts } = await pageFiles();
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/^\/assets\/[^/]+\.js$/);
  });

  it('the page loads only its own files, is never framed, and is checked with the server at every use', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(directives(response.headers['content-security-policy'])).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers.etag).toMatch(/^"[^"]+"$/);
  });

  it('with its ETag in If-None-Match, the page is 304 with no body', async () => {
    const { etag } = (await t.app.inject({ method: 'GET', url: '/' })).headers;
    const response = await t.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String(etag) } });
    expect(response.statusCode).toBe(304);
    expect(response.body).toBe('');
    expect(response.headers.etag).toBe(etag);
  });

  it('HEAD / answers the headers of GET / and no body', async () => {
    const response = await t.app.inject({ method: 'HEAD', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toBe('');
  });
});

describe('GET /assets/…', () => {
  it('the page’s script and style sheet are served with their content type and an ETag, kept a year (immutable)', async () => {
    const { scripts, styleSheets } = await pageFiles();
    expect(styleSheets).toHaveLength(1);
    const expected = [...scripts.map((url) => [url, 'text/javascript']), ...styleSheets.map((url) => [url, 'text/css'])];
    for (const [url, type] of expected) {
      const response = await t.app.inject({ method: 'GET', url: url! });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type'], url).toBe(`${type}; charset=utf-8`);
      expect(response.headers['cache-control'], url).toBe('public, max-age=31536000, immutable');
      expect(response.headers.etag, url).toMatch(/^"[^"]+"$/);
      expect(response.body.length, url).toBeGreaterThan(0);
      expect(directives(response.headers['content-security-policy'])['default-src'], url).toEqual(["'self'"]);
    }
  });

  it('with its ETag in If-None-Match (strong or weak), a file is 304 with no body', async () => {
    const [script] = (await pageFiles()).scripts;
    const { etag } = (await t.app.inject({ method: 'GET', url: script! })).headers;
    for (const ifNoneMatch of [String(etag), `"other", W/${String(etag)}`]) {
      const response = await t.app.inject({ method: 'GET', url: script!, headers: { 'if-none-match': ifNoneMatch } });
      expect(response.statusCode, ifNoneMatch).toBe(304);
      expect(response.body).toBe('');
    }
    const changed = await t.app.inject({ method: 'GET', url: script!, headers: { 'if-none-match': '"an older release"' } });
    expect(changed.statusCode).toBe(200);
  });

  it('a file the build does not have is the 404 problem, and is not kept', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/assets/nope.js' });
    expectProblem(response, 404, 'route-not-found');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it.each(Object.entries(KINDS))('%s is served as %s', async (name, type) => {
    const response = await t.app.inject({ method: 'GET', url: `/test/every-kind/assets/${name}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.body).toBe(`content of ${name}`);
  });
});

describe('an unbuilt console', () => {
  it('/ sends to the API reference, and the server said at start to run npm run build', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/test/unbuilt' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/docs');
    const warnings = logLines.filter((line) => line.includes('npm run build'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, directory: path.join(fixtures, 'unbuilt') });
  });
});

describe('the other pages keep their own policies', () => {
  it('the reference page keeps the hash of Swagger UI’s style, the API its policy that loads nothing', async () => {
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(directives(docs.headers['content-security-policy'])['style-src']).toEqual(["'self'", `'${SWAGGER_LOGO_STYLE_HASH}'`]);
    const api = await t.request('GET', '/api/admin/vehicles');
    expect(directives(api.headers['content-security-policy'])).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
    expect(api.headers['cache-control']).toBe('no-store');
  });
});
