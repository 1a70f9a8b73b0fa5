import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditContext, recordAudit } from '../../src/platform/audit.ts';
import type { AuditEntry } from '../../src/platform/audit.ts';
import { purgeExpiredKeys } from '../../src/platform/idempotency.ts';
import { queryRows } from '../../src/platform/db.ts';
import { adminToken, onPostgres, testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { assign, createTechnician, createVehicle, plate } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';
import { ownedProject } from '../support/projects.ts';
import { createUser, newUser, organization } from '../support/users.ts';

let t: TestApp;
let token: string;
// Test-only routes under /api/v1/, so that they take an Idempotency-Key like every POST there.
let failuresLeft = 0;
let echoCalls = 0;
let releaseSlow: () => void = () => {};
const gates: (() => void)[] = [];
const testChange: AuditEntry = { action: 'create', entityType: 'project', entityId: null, before: null, after: { test: true } };

beforeAll(async () => {
  t = await testApp({
    routes: (app) => {
      // The admin routes' guard is not on test routes: every caller here is one subject.
      app.addHook('onRequest', async (request) => {
        request.principal = { sub: 'test-route-caller', issuer: 'allot', roles: ['admin'], isAdmin: true };
      });
      app.post('/api/v1/test-flaky', async () => {
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error('a failure of the test route');
        }
        return { ok: true };
      });
      app.post('/api/v1/test-echo', async (request) => {
        echoCalls++;
        return { call: echoCalls, body: request.body };
      });
      app.post('/api/v1/test-slow', async () => {
        await new Promise<void>((resolve) => (releaseSlow = resolve));
        return { done: true };
      });
      // A change that waits for its gate, then writes in a transaction, as every service does.
      app.post('/api/v1/test-slow-change', async (request) => {
        await new Promise<void>((resolve) => gates.push(resolve));
        await t.database.db.transaction((tx) => recordAudit(tx, auditContext(request), testChange));
        return { changed: true };
      });
      app.post('/api/v1/test-change-then-fail', async (request) => {
        await t.database.db.transaction((tx) => recordAudit(tx, auditContext(request), testChange));
        throw new Error('the answer was lost after the commit');
      });
    },
  });
  token = await adminToken(`idempotency-${unique()}`);
});
afterAll(() => t.close());

function post(url: string, body: unknown, key: string | undefined, as = token): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${as}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: body as object,
  });
}

async function auditEntriesOf(requestId: string | string[] | number | undefined): Promise<number> {
  const rows = await queryRows<{ count: number }>(
    t.database.db,
    sql`select count(*)::int as count from audit_log where request_id = ${String(requestId)}`,
  );
  return rows[0]!.count;
}

describe('a retry with the same key and the same request', () => {
  it('gets the first status and body again with Idempotent-Replayed: true, and changes nothing', async () => {
    const key = `vehicle-${unique()}`;
    const body = { plateNumber: plate(), make: 'Volvo' };
    const first = await post('/api/admin/vehicles', body, key);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const again = await post('/api/admin/vehicles', body, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);

    expect(await auditEntriesOf(first.headers['x-request-id'])).toBe(1);
    expect(await auditEntriesOf(again.headers['x-request-id'])).toBe(0);
    const vehicles = await queryRows<{ count: number }>(
      t.database.db,
      sql`select count(*)::int as count from vehicles where plate_number = ${body.plateNumber}`,
    );
    expect(vehicles[0]!.count).toBe(1);
  });

  it('is the same request whatever the order of the body keys', async () => {
    const key = `order-${unique()}`;
    const plateNumber = plate();
    const first = await post('/api/admin/vehicles', { plateNumber, make: 'Saab' }, key);
    const again = await post('/api/admin/vehicles', { make: 'Saab', plateNumber }, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });

  it('gets a 4xx again: a rejected first request is kept like a success', async () => {
    const vehicle = await createVehicle(t);
    const [holder, other] = [await createTechnician(t), await createTechnician(t)];
    const held = await assign(t, vehicle.id, holder.id);
    const key = `busy-${unique()}`;
    const body = { vehicleId: vehicle.id, technicianId: other.id };
    const first = await post('/api/admin/assignments', body, key);
    expectProblem(first, 409, 'vehicle-busy');

    // The vehicle is free now, yet the retry is the first answer, not a new assignment.
    expect((await t.request('PATCH', `/api/admin/assignments/${held.id}/return`)).statusCode).toBe(200);
    const again = await post('/api/admin/assignments', body, key);
    expectProblem(again, 409, 'vehicle-busy');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });

  it('works on every POST of the Project API too: a user, then a bulk assignment', async () => {
    const userBody = newUser({ role: ['Dev'] });
    const key = `user-${unique()}`;
    const first = await post('/api/v1/users', userBody, key);
    expect(first.statusCode).toBe(201);
    const again = await post('/api/v1/users', userBody, key);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });
});

describe('the same key with another request', () => {
  it('another body → 422 idempotency-key-reused, and nothing is created', async () => {
    const key = `reuse-${unique()}`;
    await post('/api/admin/vehicles', { plateNumber: plate() }, key);
    const otherPlate = plate();
    const reused = await post('/api/admin/vehicles', { plateNumber: otherPlate }, key);
    expectProblem(reused, 422, 'idempotency-key-reused');
    expect(await auditEntriesOf(reused.headers['x-request-id'])).toBe(0);
    const vehicles = await queryRows<{ count: number }>(
      t.database.db,
      sql`select count(*)::int as count from vehicles where plate_number = ${otherPlate}`,
    );
    expect(vehicles[0]!.count).toBe(0);
  });

  it('another path → 422 idempotency-key-reused', async () => {
    const key = `path-${unique()}`;
    await post('/api/admin/technicians', { name: 'Ada', email: `ada-${unique()}@example.com` }, key);
    expectProblem(await post('/api/admin/vehicles', { plateNumber: plate() }, key), 422, 'idempotency-key-reused');
  });
});

describe('whose key it is', () => {
  it("keys belong to the token's subject: another caller's same key runs afresh and never sees the first response", async () => {
    const key = `shared-${unique()}`;
    const body = { plateNumber: plate() };
    expect((await post('/api/admin/vehicles', body, key)).statusCode).toBe(201);
    const otherCaller = await adminToken(`someone-else-${unique()}`);
    const theirs = await post('/api/admin/vehicles', body, key, otherCaller);
    // It ran: the plate is taken now, by the first caller's vehicle.
    expectProblem(theirs, 409, 'plate-number-taken');
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a request without a key is never replayed', async () => {
    const first = await post('/api/v1/test-echo', { n: 1 }, undefined);
    const second = await post('/api/v1/test-echo', { n: 1 }, undefined);
    expect(second.json<{ call: number }>().call).toBe(first.json<{ call: number }>().call + 1);
  });
});

describe('the key itself', () => {
  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['holding a character outside printable ASCII', 'caf\u00e9'],
  ])('%s → 400 validation, and nothing runs', async (_, key) => {
    const calls = echoCalls;
    const response = await post('/api/v1/test-echo', {}, key);
    expectProblem(response, 400, 'validation');
    expect(echoCalls).toBe(calls);
  });

  it('255 printable characters, spaces and symbols included, are a key', async () => {
    const key = `${unique()} ~!@#$%^&*()`.padEnd(255, 'x');
    const first = await post('/api/v1/test-echo', { n: 2 }, key);
    const again = await post('/api/v1/test-echo', { n: 2 }, key);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });

  it('is documented on every POST of both APIs, with its 409 and 422', () => {
    const posts = Object.entries(t.document.paths).flatMap(([path, operations]) =>
      path.startsWith('/api/admin/') || path.startsWith('/api/v1/') ? [operations.post].filter((operation) => operation) : [],
    ) as { parameters?: { in: string; name: string }[]; responses: Record<string, unknown> }[];
    expect(posts.length).toBeGreaterThanOrEqual(7);
    for (const operation of posts) {
      expect(operation.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key')).toBe(true);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['409', '422']));
    }
  });
});

describe('a first request that failed with a 5xx', () => {
  it('is not kept: the retry runs afresh', async () => {
    const key = `flaky-${unique()}`;
    failuresLeft = 1;
    const failed = await post('/api/v1/test-flaky', {}, key);
    expectProblem(failed, 500, 'internal');
    const retried = await post('/api/v1/test-flaky', {}, key);
    expect(retried.statusCode).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    const replayed = await post('/api/v1/test-flaky', {}, key);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
  });
});

describe('a key whose first request is still running', () => {
  it('the retry waits for it and gets its response', async () => {
    const key = `slow-${unique()}`;
    const first = post('/api/v1/test-slow', {}, key);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const retry = post('/api/v1/test-slow', {}, key);
    await new Promise((resolve) => setTimeout(resolve, 200));
    releaseSlow();
    const [a, b] = await Promise.all([first, retry]);
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(b.headers['idempotent-replayed']).toBe('true');
  });

  // It waits the full 5 s: once, on PostgreSQL, is enough.
  it.runIf(onPostgres)('a retry that waited 5 s without an answer → 409 idempotency-key-in-progress with Retry-After', async () => {
    const key = `stuck-${unique()}`;
    const first = post('/api/v1/test-slow', {}, key);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const retry = await post('/api/v1/test-slow', {}, key);
    expectProblem(retry, 409, 'idempotency-key-in-progress');
    expect(retry.headers['retry-after']).toBe('1');
    releaseSlow();
    expect((await first).statusCode).toBe(200);
  });
});

describe('a key left behind by a server that died while running it', () => {
  /** The key as a request of a dead server left it: no answer, its lease run out, owned by nobody alive. */
  async function orphan(key: string, applied: boolean) {
    await t.database.db.execute(
      sql`update idempotency_keys set status = null, headers = null, body = null, applied = ${applied},
            locked_until = now() - interval '1 second', owner = gen_random_uuid()
          where key = ${key}`,
    );
  }

  it('that made no change is taken over once its lease ran out: the retry runs', async () => {
    const key = `orphan-${unique()}`;
    const first = await post('/api/v1/test-echo', { n: 3 }, key);
    await orphan(key, false);
    const retried = await post('/api/v1/test-echo', { n: 3 }, key);
    expect(retried.statusCode).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(retried.json<{ call: number }>().call).toBeGreaterThan(first.json<{ call: number }>().call);
  });

  it('that made its change is never run again: 409 idempotency-key-outcome-lost naming the request', async () => {
    const key = `lost-${unique()}`;
    const body = { plateNumber: plate() };
    const first = await post('/api/admin/vehicles', body, key);
    await orphan(key, true);
    const retried = await post('/api/admin/vehicles', body, key);
    const problem = expectProblem(retried, 409, 'idempotency-key-outcome-lost');
    expect(problem.detail).toContain(String(first.headers['x-request-id']));
  });
});

describe('a first request that is slow, not dead', () => {
  it('whose key was taken over after its lease makes no change: only the retry that took it does', async () => {
    const key = `slow-change-${unique()}`;
    const first = post('/api/v1/test-slow-change', {}, key);
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    // Its lease runs out while it still runs (a stall, a long lock wait).
    await t.database.db.execute(sql`update idempotency_keys set locked_until = now() - interval '1 second' where key = ${key}`);
    const retry = post('/api/v1/test-slow-change', {}, key);
    await vi.waitFor(() => expect(gates).toHaveLength(2));
    for (const open of gates.splice(0)) open();
    const [slow, taker] = await Promise.all([first, retry]);

    expect(taker.statusCode).toBe(200);
    expectProblem(slow, 409, 'idempotency-key-in-progress');
    expect(await auditEntriesOf(slow.headers['x-request-id'])).toBe(0);
    expect(await auditEntriesOf(taker.headers['x-request-id'])).toBe(1);
    const replayed = await post('/api/v1/test-slow-change', {}, key);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json()).toEqual(taker.json());
  });
});

describe('a first request that made its change and then failed with a 5xx', () => {
  it('keeps its key: the retry is 409 idempotency-key-outcome-lost at once, and the change is not made twice', async () => {
    const key = `failed-after-commit-${unique()}`;
    const failed = await post('/api/v1/test-change-then-fail', {}, key);
    expectProblem(failed, 500, 'internal');
    expect(await auditEntriesOf(failed.headers['x-request-id'])).toBe(1);
    const retried = await post('/api/v1/test-change-then-fail', {}, key);
    expectProblem(retried, 409, 'idempotency-key-outcome-lost');
    expect(await auditEntriesOf(retried.headers['x-request-id'])).toBe(0);
  });
});

describe('one request, two spellings', () => {
  it('a path published with a trailing slash is the same request without it', async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const dev = await createUser(t, { role: ['Dev'], domain });
    const key = `slash-${unique()}`;
    const body = { user_id: dev.user_id, project_id: project.project_id };
    const first = await post('/api/v1/assignments/', body, key);
    expect(first.statusCode).toBe(201);
    const again = await post('/api/v1/assignments', body, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });
});

describe('after 24 hours', () => {
  it('a key is new again, and the purge deletes it', async () => {
    const key = `old-${unique()}`;
    const first = await post('/api/v1/test-echo', { n: 4 }, key);
    await t.database.db.execute(sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = ${key}`);
    const later = await post('/api/v1/test-echo', { n: 4 }, key);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.json<{ call: number }>().call).toBeGreaterThan(first.json<{ call: number }>().call);

    await t.database.db.execute(sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = ${key}`);
    expect(await purgeExpiredKeys(t.database.db)).toBeGreaterThanOrEqual(1);
    const left = await queryRows<{ count: number }>(
      t.database.db,
      sql`select count(*)::int as count from idempotency_keys where key = ${key}`,
    );
    expect(left[0]!.count).toBe(0);
  });
});

describe.runIf(onPostgres)('bounded waiting (PostgreSQL)', () => {
  it('a request stuck behind a lock gets 503 database-busy after the statement timeout, keeps nothing, and its key runs afresh', async () => {
    const short = await testApp({ config: { statementTimeoutMs: 300 } });
    try {
      const vehicle = await createVehicle(t);
      const technician = await createTechnician(t);
      const key = `locked-${unique()}`;
      const body = { vehicleId: vehicle.id, technicianId: technician.id };
      // Another session holds the vehicle's row: the assignment cannot lock it.
      let unlock: () => void = () => {};
      const held = new Promise<void>((resolve) => (unlock = resolve));
      let locked: () => void = () => {};
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = t.database.db.transaction(async (tx) => {
        await tx.execute(sql`select 1 from vehicles where id = ${vehicle.id} for update`);
        locked();
        await held;
      });
      await isLocked;
      const stuck = await short.app.inject({
        method: 'POST',
        url: '/api/admin/assignments',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
        payload: body,
      });
      unlock();
      await holder;
      const problem = expectProblem(stuck, 503, 'database-busy');
      expect(stuck.headers['retry-after']).toBe('1');
      expect(problem.detail).not.toMatch(/statement|cancel|sql/i);
      expect(await auditEntriesOf(stuck.headers['x-request-id'])).toBe(0);

      const retried = await post('/api/admin/assignments', body, key);
      expect(retried.statusCode).toBe(201);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
    } finally {
      await short.close();
    }
  });
});
