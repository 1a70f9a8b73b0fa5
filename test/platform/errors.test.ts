import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/platform/db.ts';
import { adminToken, testApp, testDatabase } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { MISSING_ID, createVehicle, plate } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let database: DatabaseHandle;
let t: TestApp;
beforeAll(async () => {
  database = await testDatabase();
  t = await testApp({ database });
});
afterAll(async () => {
  await t.close();
  await database.close();
});

const PROBLEM_KEYS = ['detail', 'errors', 'status', 'title', 'type'];

describe('every error is RFC 9457 problem+json', () => {
  it('400 validation: type, title "Bad Request", status, detail and the field errors, nothing else', async () => {
    const body = expectProblem(await t.request('POST', '/api/admin/vehicles', {}), 400, 'validation');
    expect(body.title).toBe('Bad Request');
    expect(Object.keys(body).sort()).toEqual(PROBLEM_KEYS);
  });

  it('401 unauthorized, titled "Unauthorized"', async () => {
    const body = expectProblem(await t.app.inject({ method: 'GET', url: '/api/admin/vehicles' }), 401, 'unauthorized');
    expect(body.title).toBe('Unauthorized');
  });

  it('403 forbidden, titled "Forbidden"', async () => {
    const body = expectProblem(
      await t.request('GET', '/api/admin/vehicles', undefined, await adminToken('viewer', ['viewer'])),
      403,
      'forbidden',
    );
    expect(body.title).toBe('Forbidden');
  });

  it('404 vehicle-not-found, titled "Not Found"', async () => {
    const body = expectProblem(await t.request('GET', `/api/admin/vehicles/${MISSING_ID}`), 404, 'vehicle-not-found');
    expect(body.title).toBe('Not Found');
  });

  it('409 plate-number-taken, titled "Conflict", naming no constraint and quoting no SQL', async () => {
    const vehicle = await createVehicle(t);
    const response = await t.request('POST', '/api/admin/vehicles', { plateNumber: vehicle.plateNumber });
    const body = expectProblem(response, 409, 'plate-number-taken');
    expect(body.title).toBe('Conflict');
    expect(response.body).not.toMatch(/vehicles_plate_number_key|duplicate key|insert into|23505/i);
  });
});

describe('validation', () => {
  it('lists every bad field of the body with its path', async () => {
    const response = await t.request('POST', '/api/admin/vehicles', {
      plateNumber: 5,
      year: '42',
      vin: 'no spaces allowed',
      colour: 'red',
    });
    const body = expectProblem(response, 400, 'validation');
    const paths = body.errors!.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/body/plateNumber', '/body/year', '/body/vin', '/body/colour']));
    for (const error of body.errors!) {
      expect(Object.keys(error).sort()).toEqual(['message', 'path']);
      expect(error.message).not.toMatch(/anyOf/);
    }
    expect(body.errors!.find((e) => e.path === '/body/colour')?.message).toBe('is not a known field');
    expect(body.detail).toContain('/body/plateNumber');
  });

  it('a missing field is reported at its own path', async () => {
    const body = expectProblem(await t.request('POST', '/api/admin/technicians', { name: 'No Email' }), 400, 'validation');
    expect(body.errors).toEqual([{ path: '/body/email', message: 'is required' }]);
  });

  it('query and path errors say which part of the request is wrong', async () => {
    expect(expectProblem(await t.request('GET', '/api/admin/assignments?status=lost'), 400, 'validation').errors?.[0]?.path).toBe(
      '/query/status',
    );
    expect(expectProblem(await t.request('GET', '/api/admin/vehicles/abc'), 400, 'validation').errors?.[0]?.path).toBe('/path/id');
  });

  it('text with a NUL character, which JSON allows and PostgreSQL does not, is 400 and stores nothing', async () => {
    const vehicle = await createVehicle(t);
    const technician = (await t.request('POST', '/api/admin/technicians', { name: 'N', email: `nul-${plate()}@example.test` })).json<{
      technician: { id: number };
    }>().technician;
    const attempts = [
      await t.request('POST', '/api/admin/vehicles', { plateNumber: `${plate()}\u0000` }),
      await t.request('PATCH', `/api/admin/vehicles/${vehicle.id}`, { make: 'Fo\u0000rd' }),
      await t.request('POST', '/api/admin/technicians', { name: 'Nul\u0000', email: `nul-${plate()}@example.test` }),
      await t.request('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: technician.id, notes: '\u0000' }),
    ];
    for (const response of attempts) expectProblem(response, 400, 'invalid-text');
    expect((await t.request('GET', `/api/admin/vehicles/${vehicle.id}`)).json()).toEqual({ vehicle });
  });

  it('a body that is not JSON is 400 invalid-json, naming no parser', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/admin/vehicles',
      headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      payload: '{"plateNumber": "AB-1",',
    });
    expectProblem(response, 400, 'invalid-json');
    expect(response.body).not.toMatch(/FST_|Unexpected|SyntaxError/);
  });

  it('a body with a __proto__ key is 400 forbidden-key', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/admin/vehicles',
      headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      payload: `{"plateNumber": "${plate()}", "__proto__": {"isAdmin": true}}`,
    });
    expectProblem(response, 400, 'forbidden-key');
  });

  it('a body sent as text/plain is 400 validation: the body must be an object', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/admin/vehicles',
      headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'text/plain' },
      payload: 'plateNumber=AB-1',
    });
    expectProblem(response, 400, 'validation');
  });

  it('a body over 1 MiB is 413 body-too-large and creates nothing', async () => {
    const plateNumber = plate();
    const response = await t.request('POST', '/api/admin/vehicles', { plateNumber, make: 'x'.repeat(1024 * 1024 + 1) });
    expectProblem(response, 413, 'body-too-large');
    const list = (await t.request('GET', '/api/admin/vehicles')).json<{ vehicles: { plateNumber: string }[] }>();
    expect(list.vehicles.some((v) => v.plateNumber === plateNumber)).toBe(false);
  });
});

describe('routes', () => {
  it('an unknown route is 404 route-not-found, naming the path without its query', async () => {
    const body = expectProblem(await t.app.inject({ method: 'GET', url: '/no/such/route?x=1' }), 404, 'route-not-found');
    expect(body.detail).toBe('no route GET /no/such/route');
  });

  it('a wrong method on a known path is 405 method-not-allowed, with Allow listing the methods it takes', async () => {
    const response = await t.request('PUT', '/api/admin/vehicles', { plateNumber: plate() });
    expectProblem(response, 405, 'method-not-allowed');
    const allowed = String(response.headers.allow).split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['GET', 'POST']));
    expect(allowed).not.toContain('PUT');
  });

  it('paths work with a trailing slash', async () => {
    expect((await t.request('GET', '/api/admin/vehicles/')).statusCode).toBe(200);
  });
});

describe('X-Request-Id', () => {
  it('is on every response, success or error', async () => {
    const vehicle = await createVehicle(t);
    // One after the other: the GET must see the vehicle before the DELETE removes it.
    const responses = [
      await t.app.inject({ method: 'GET', url: '/healthz' }),
      await t.request('GET', `/api/admin/vehicles/${vehicle.id}`),
      await t.request('POST', '/api/admin/vehicles', { plateNumber: plate() }),
      await t.request('DELETE', `/api/admin/vehicles/${vehicle.id}`),
      await t.request('POST', '/api/admin/vehicles', {}),
      await t.app.inject({ method: 'GET', url: '/api/admin/vehicles' }),
      await t.app.inject({ method: 'GET', url: '/nowhere' }),
      await t.request('POST', '/api/admin/vehicles', { plateNumber: 'x', make: 'y'.repeat(1024 * 1024) }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 201, 204, 400, 401, 404, 413]);
    const seen = new Set<string>();
    for (const response of responses) {
      const id = response.headers['x-request-id'];
      expect(typeof id).toBe('string');
      expect(id).toMatch(/^[\w.:-]{1,128}$/);
      seen.add(id as string);
    }
    expect(seen.size).toBe(responses.length);
  });

  it('a sane incoming X-Request-Id is echoed', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-42.abc:DEF_9' } });
    expect(response.headers['x-request-id']).toBe('trace-42.abc:DEF_9');
  });

  it.each([
    ['with spaces and a newline-like escape', 'evil id\\n'],
    ['too long', 'a'.repeat(129)],
    ['with markup', '<script>'],
  ])('an incoming X-Request-Id %s is replaced by a fresh one', async (_case, given) => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': given } });
    expect(response.headers['x-request-id']).not.toBe(given);
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('500', () => {
  let failing: TestApp;
  beforeAll(async () => {
    failing = await testApp({
      database,
      routes: (test) => {
        test.get('/test/throws', async () => {
          throw new Error('select password_hash from users where secret_column = 1');
        });
        test.get('/test/database-error', async () => {
          const cause = Object.assign(new Error('relation "secret_table" does not exist'), { code: '42P01', table: 'secret_table' });
          throw new Error('Failed query: select * from secret_table', { cause });
        });
        // A library that rejects with a string, not an Error: the handler must still answer a clean 500.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        test.get('/test/rejects-with-a-string', () => Promise.reject('internal secret_string'));
      },
    });
  });
  afterAll(() => failing.close());

  it.each(['/test/throws', '/test/database-error', '/test/rejects-with-a-string'])(
    '%s: the body says only that an internal error happened, with the request id',
    async (url) => {
      const response = await failing.app.inject({ method: 'GET', url, headers: { 'x-request-id': 'req-500-check' } });
      const body = expectProblem(response, 500, 'internal');
      expect(Object.keys(body).sort()).toEqual(['detail', 'requestId', 'status', 'title', 'type']);
      expect(body.requestId).toBe('req-500-check');
      expect(response.headers['x-request-id']).toBe('req-500-check');
      expect(body.detail).toContain('req-500-check');
      expect(response.body).not.toMatch(/secret|select|password|stack|relation|42P01|\.ts\b|node_modules|\bat \S+:\d+/i);
    },
  );
});
