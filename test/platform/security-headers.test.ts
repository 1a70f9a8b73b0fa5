import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { createUser } from '../support/users.ts';

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
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
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

  it('the reference page is not framed and not sniffed, and may run its own scripts', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['content-security-policy'] ?? '').not.toContain("default-src 'none'");
  });
});
