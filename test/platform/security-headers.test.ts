import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWAGGER_LOGO_STYLE_HASH } from '../../src/platform/security-headers.ts';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { createUser } from '../support/users.ts';
import { directives } from '../support/csp.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

describe('headers on every answer', () => {
  it.each([
    ['an API answer', 'GET', '/api/admin/vehicles'],
    ['an API error', 'GET', '/api/admin/vehicles/2147483647'],
    ['an unknown route', 'GET', '/api/nothing-here'],
  ])('%s is never cached nor rendered: no-store, nosniff, no framing, a policy that loads nothing', async (_case, method, url) => {
    const response = await t.request(method, url);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(directives(response.headers['content-security-policy'])).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
    expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('a sign-in answer, which holds a token, is no-store', async () => {
    const admin = await createUser(t, { role: ['Admin'], password: 'correct horse battery staple' });
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: admin.email, password: 'correct horse battery staple' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('no Strict-Transport-Security: the server speaks plain HTTP, the TLS terminator sets it', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it.each(['/healthz', '/readyz', '/metrics'])('the service endpoint %s is no-store and loads nothing', async (url) => {
    const response = await t.app.inject({ method: 'GET', url });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(directives(response.headers['content-security-policy'])['default-src']).toEqual(["'none'"]);
  });
});

describe('the reference page and the document', () => {
  it('the page may run its own scripts and styles, and nothing from elsewhere; it is never framed', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(directives(response.headers['content-security-policy'])).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'", `'${SWAGGER_LOGO_STYLE_HASH}'`],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
  });

  it('the page loads only what it is served from here: no inline script, no other host', async () => {
    const page = (await t.app.inject({ method: 'GET', url: '/docs/' })).body;
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page).not.toMatch(/\son[a-z]+=/i);
  });

  it('the one inline style the policy allows by its hash is the one the served Swagger UI draws', async () => {
    // The standalone layout draws the top bar, and in it the logo.
    const preset = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-standalone-preset.js' });
    expect(preset.statusCode).toBe(200);
    const style = /createElement\("style",null,"([^"]*)"\)/.exec(preset.body)?.[1];
    expect(style, "the <style> of Swagger UI's logo").toBeDefined();
    expect(`sha256-${createHash('sha256').update(style!).digest('base64')}`).toBe(SWAGGER_LOGO_STYLE_HASH);
  });

  it.each(['/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/json'])('%s carries the page policy', async (url) => {
    const response = await t.app.inject({ method: 'GET', url });
    expect(directives(response.headers['content-security-policy'])['script-src']).toEqual(["'self'"]);
  });

  it.each(['/docs/', '/openapi.json'])('%s may be kept, but is checked at every use (no-cache)', async (url) => {
    const response = await t.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-cache');
  });
});
