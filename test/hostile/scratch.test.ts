import { it } from 'vitest';
import { adminToken, testApp } from '../support/app.ts';

it('scratch', async () => {
  const t = await testApp();
  const token = await adminToken();
  const cases: [string, string, Record<string, string>, string | undefined][] = [
    ['POST', '/api/admin/vehicles', { 'content-type': 'application/xml' }, '<a/>'],
    ['POST', '/api/admin/vehicles', { 'content-type': '' }, '{}'],
    ['POST', '/api/admin/vehicles', { 'content-type': 'garbage' }, '{}'],
    ['POST', '/api/admin/vehicles', { 'content-type': 'multipart/form-data; boundary=x' }, '{}'],
    ['POST', '/api/admin/vehicles', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'],
    ['GET', '/api/admin/vehicles', { 'content-type': 'application/json' }, '{"x":'],
    ['GET', '/api/admin/vehicles', { 'content-type': 'application/xml' }, '<x/>'],
    ['DELETE', '/api/admin/vehicles/2147483647', { 'content-type': 'application/xml' }, '<x/>'],
    ['GET', '/healthz', { 'content-type': 'application/xml' }, '<x/>'],
    ['POST', '/api/admin/vehicles', { 'idempotency-key': 'é\u00ff' }, '{}'],
    ['POST', '/api/admin/vehicles', { 'idempotency-key': '\u0000' }, '{}'],
    ['POST', '/api/admin/vehicles', { 'idempotency-key': '€' }, '{}'],
    ['POST', '/api/admin/vehicles', { 'content-length': '3' }, '{"plateNumber":"Z"}'],
    ['POST', '/api/admin/vehicles', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{"plateNumber":"Z"}'],
    ['GET', '/api/admin/vehicles', { accept: 'application/xml' }, undefined],
    ['GET', '/api/admin/vehicles/abc', { accept: 'text/html' }, undefined],
  ];
  for (const [method, url, headers, payload] of cases) {
    const started = Date.now();
    try {
      const r = await t.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...headers }, ...(payload === undefined ? {} : { payload }) });
      console.log(method, url.slice(0, 80), JSON.stringify(headers), r.statusCode, r.headers['content-type'], r.body.slice(0, 200), Date.now() - started, 'ms');
    } catch (e) {
      console.log(method, url.slice(0, 80), JSON.stringify(headers), 'THREW', String(e).slice(0, 600));
    }
  }
  await t.close();
});
