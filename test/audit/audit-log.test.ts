import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cursors } from '../../src/platform/cursors.ts';
import { adminToken, onPostgres, testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import {
  LOG,
  auditEntries,
  auditPage,
  current,
  entriesAbout,
  expectEntryShape,
  expectNewestFirst,
  newActor,
  newRequestId,
  ok,
} from '../support/audit.ts';
import type { Actor, AuditEntry, AuditQuery } from '../support/audit.ts';
import { checkedFetch } from '../support/contract.ts';
import { assign, createTechnician, createVehicle, email, plate } from '../support/fleet.ts';
import type { Assignment, Technician, Vehicle } from '../support/fleet.ts';
import { expectProblem, readResponse } from '../support/problems.ts';
import type { ResponseLike } from '../support/problems.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

describe('GET /api/admin/audit-log', () => {
  /** Actor A: a vehicle created and renamed, a technician created, an assignment made and returned. Actor B: another vehicle. */
  async function twoActorsAtWork() {
    const a = await newActor(t, 'filter-a');
    const b = await newActor(t, 'filter-b');
    const vehicle = ok<{ vehicle: Vehicle }>(await a.send('POST', '/api/admin/vehicles', { plateNumber: plate() }), 201).vehicle;
    ok(await a.send('PATCH', `/api/admin/vehicles/${vehicle.id}`, { model: 'Hilux' }), 200);
    const technician = ok<{ technician: Technician }>(
      await a.send('POST', '/api/admin/technicians', { name: `Tech ${unique()}`, email: email() }),
      201,
    ).technician;
    const assignment = ok<{ assignment: Assignment }>(
      await a.send('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: technician.id }),
      201,
    ).assignment;
    ok(await a.send('PATCH', `/api/admin/assignments/${assignment.id}/return`), 200);
    const other = ok<{ vehicle: Vehicle }>(await b.send('POST', '/api/admin/vehicles', { plateNumber: plate() }), 201).vehicle;
    ok(await b.send('PATCH', `/api/admin/vehicles/${other.id}`, { make: 'Tata' }), 200);
    ok(await a.send('PATCH', `/api/admin/vehicles/${vehicle.id}`, { year: 2020 }), 200);
    return { a, b, vehicle, technician, assignment, other };
  }

  /** Every entry the query lists keeps every filter of the query. */
  async function filtered(query: AuditQuery): Promise<AuditEntry[]> {
    const entries = await auditEntries(t, query);
    expectNewestFirst(entries);
    for (const entry of entries) {
      expectEntryShape(entry);
      if (query.actor !== undefined) expect(entry.actor).toBe(query.actor);
      if (query.action !== undefined) expect(entry.action).toBe(query.action);
      if (query.entityType !== undefined) expect(entry.entityType).toBe(query.entityType);
      if (query.entityId !== undefined) expect(entry.entityId).toBe(String(query.entityId));
    }
    return entries;
  }

  const summary = (entries: AuditEntry[]) => entries.map((entry) => `${entry.action} ${entry.entityType} ${entry.entityId}`);

  it('lists newest first; actor, entityType, entityId and action each narrow, and combine', async () => {
    const { a, b, vehicle, technician, assignment, other } = await twoActorsAtWork();
    const v = String(vehicle.id);

    expect(summary(await filtered({ actor: a.sub }))).toEqual([
      `update vehicle ${v}`,
      `return assignment ${assignment.id}`,
      `assign assignment ${assignment.id}`,
      `create technician ${technician.id}`,
      `update vehicle ${v}`,
      `create vehicle ${v}`,
    ]);
    expect(summary(await filtered({ actor: b.sub }))).toEqual([`update vehicle ${other.id}`, `create vehicle ${other.id}`]);
    expect(summary(await filtered({ actor: a.sub, entityType: 'vehicle' }))).toEqual([
      `update vehicle ${v}`,
      `update vehicle ${v}`,
      `create vehicle ${v}`,
    ]);
    expect(summary(await filtered({ actor: a.sub, action: 'create' }))).toEqual([
      `create technician ${technician.id}`,
      `create vehicle ${v}`,
    ]);
    expect(summary(await filtered({ actor: a.sub, entityType: 'assignment', action: 'return' }))).toEqual([
      `return assignment ${assignment.id}`,
    ]);
    expect(summary(await filtered({ entityType: 'vehicle', entityId: v }))).toEqual([
      `update vehicle ${v}`,
      `update vehicle ${v}`,
      `create vehicle ${v}`,
    ]);
    expect(summary(await filtered({ entityType: 'vehicle', entityId: v, action: 'create' }))).toEqual([`create vehicle ${v}`]);
    expect(summary(await filtered({ entityType: 'vehicle', entityId: v, actor: b.sub }))).toEqual([]);
    expect(summary(await filtered({ entityType: 'vehicle', entityId: other.id, actor: b.sub, action: 'update' }))).toEqual([
      `update vehicle ${other.id}`,
    ]);
    expect(summary(await filtered({ actor: a.sub, action: 'delete' }))).toEqual([]);

    // entityId alone matches any type with that id; with the actor, only A's entries about it.
    const byId = await filtered({ actor: a.sub, entityId: v });
    expect(summary(byId.filter((entry) => entry.entityType === 'vehicle'))).toEqual([
      `update vehicle ${v}`,
      `update vehicle ${v}`,
      `create vehicle ${v}`,
    ]);

    // Without filters: the newest entries of everyone, ours among them.
    const newest = await auditPage(t, { limit: 1000 });
    expectNewestFirst(newest.entries);
  });

  it('pages with limit and cursor: every entry once, in order, nextCursor null on the last page', async () => {
    const { a } = await twoActorsAtWork();
    const all = await filtered({ actor: a.sub });
    expect(all).toHaveLength(6);

    for (const limit of [1, 2, 4, 5, 6]) {
      const seen: AuditEntry[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await auditPage(t, { actor: a.sub, limit, cursor });
        pages++;
        expect(page.entries.length).toBeLessThanOrEqual(limit);
        seen.push(...page.entries);
        if (page.nextCursor === null) break;
        expect(page.entries).toHaveLength(limit);
        cursor = page.nextCursor;
        expect(pages).toBeLessThan(10);
      }
      expect(seen.map((entry) => entry.id)).toEqual(all.map((entry) => entry.id));
      expect(seen).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / limit));
    }

    // With more filters, the cursor walks the narrower list.
    const first = await auditPage(t, { actor: a.sub, entityType: 'vehicle', limit: 2 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await auditPage(t, { actor: a.sub, entityType: 'vehicle', limit: 2, cursor: first.nextCursor! });
    expect(summary([...first.entries, ...second.entries])).toEqual(summary(await filtered({ actor: a.sub, entityType: 'vehicle' })));
    expect(second.nextCursor).toBeNull();
  });

  it('without limit, pages of 100', async () => {
    const actor = await newActor(t, 'many');
    for (let i = 0; i < 101; i++) ok(await actor.send('POST', '/api/admin/vehicles', { plateNumber: plate() }), 201);
    const first = await auditPage(t, { actor: actor.sub });
    expect(first.entries).toHaveLength(100);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await auditPage(t, { actor: actor.sub, cursor: first.nextCursor! });
    expect(second.entries).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expectNewestFirst([...first.entries, ...second.entries]);
    expect(second.entries[0]!.id).toBeLessThan(first.entries[99]!.id);
  });

  it('a cursor this server did not sign is 400 invalid-cursor', async () => {
    const { a } = await twoActorsAtWork();
    const page = await auditPage(t, { actor: a.sub, limit: 2 });
    const [payload, mac] = page.nextCursor!.split('.');
    const position = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as unknown;
    const edited = Buffer.from(
      JSON.stringify(Array.isArray(position) ? position.map((p) => (typeof p === 'number' ? p + 1 : p)) : [1]),
    ).toString('base64url');
    const foreign = new Cursors(randomBytes(32)).seal(Array.isArray(position) ? position : [1]);
    for (const cursor of ['forged', payload!, `${edited}.${mac}`, `${payload}.AAAAAAAAAAAAAAAAAAAAAA`, foreign, `${page.nextCursor}x`]) {
      expectProblem(await t.request('GET', `${LOG}?actor=${a.sub}&limit=2&cursor=${encodeURIComponent(cursor)}`), 400, 'invalid-cursor');
    }
  });

  it.each([
    ['limit=0', 'limit=0'],
    ['limit=1001', 'limit=1001'],
    ['limit=-1', 'limit=-1'],
    ['limit=2.5', 'limit=2.5'],
    ['limit=ten', 'limit=ten'],
    ['an unknown entityType', 'entityType=spaceship'],
    ['an unknown action', 'action=explode'],
    ['an entityType in the wrong case', 'entityType=Vehicle'],
  ])('%s is 400 validation', async (_case, query) => {
    expectProblem(await t.request('GET', `${LOG}?${query}`), 400, 'validation');
  });

  it('limit 1 and 1000 are accepted', async () => {
    const { a } = await twoActorsAtWork();
    expect((await auditPage(t, { actor: a.sub, limit: 1 })).entries).toHaveLength(1);
    expect((await auditPage(t, { actor: a.sub, limit: 1000 })).entries).toHaveLength(6);
  });

  it.each(['vehicle', 'technician', 'assignment', 'user', 'project', 'project_assignment', 'reservation'])(
    'entityType=%s is accepted',
    async (entityType) => {
      const actor = await newActor(t);
      expect(await auditPage(t, { entityType, actor: actor.sub })).toEqual({ entries: [], nextCursor: null });
    },
  );

  it.each(['create', 'update', 'delete', 'retire', 'assign', 'return', 'bulk_create', 'login', 'login_failed'])(
    'action=%s is accepted',
    async (action) => {
      const actor = await newActor(t);
      expect(await auditPage(t, { action, actor: actor.sub })).toEqual({ entries: [], nextCursor: null });
    },
  );

  it('an unknown actor or entityId is an empty list, not an error', async () => {
    expect(await auditPage(t, { actor: `nobody-${unique()}` })).toEqual({ entries: [], nextCursor: null });
    expect(await auditPage(t, { entityType: 'vehicle', entityId: `no-such-${unique()}` })).toEqual({ entries: [], nextCursor: null });
  });

  it('needs an admin token: none is 401 unauthorized, a non-admin one 403 forbidden', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: LOG }), 401, 'unauthorized');
    expectProblem(await t.request('GET', LOG, undefined, await adminToken('reader', ['viewer'])), 403, 'forbidden');
  });

  it('no route changes an entry: other methods on the log are refused', async () => {
    const actor = await newActor(t);
    ok(await actor.send('POST', '/api/admin/vehicles', { plateNumber: plate() }), 201);
    const [entry] = await actor.entries();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await t.request(method, LOG, method === 'DELETE' ? undefined : { actor: 'x' });
      expectProblem(response, 405, 'method-not-allowed');
    }
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const response = await t.request(method, `${LOG}/${entry!.id}`, method === 'DELETE' ? undefined : { actor: 'x' });
      expect([404, 405]).toContain(response.statusCode);
    }
    expect(await actor.entries()).toEqual([entry]);
  });
});

// ---------------------------------------------------------------------------------------------

describe(`concurrent changes (${onPostgres ? 'two instances on one PostgreSQL' : 'one instance on PGlite'})`, () => {
  const CONCURRENCY = 20;
  let instances: TestApp[] = [];
  let origins: string[] = [];
  beforeAll(async () => {
    instances = onPostgres ? [await testApp({ database: t.database }), await testApp()] : [await testApp({ database: t.database })];
    origins = await Promise.all(instances.map((instance) => instance.app.listen({ port: 0, host: '127.0.0.1' })));
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
  });

  interface Outcome extends ResponseLike {
    requestId: string;
  }

  /** Sends the i-th request to instance i mod n over a real socket, all at once, each with its own request id. */
  function race(actor: Actor, request: (i: number) => { method: string; path: string; body?: unknown }): Promise<Outcome[]> {
    return Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, i) => {
        const { method, path, body } = request(i);
        const instance = i % instances.length;
        const requestId = newRequestId();
        const response = await checkedFetch(instances[instance]!.contract, `${origins[instance]}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${actor.token}`,
            'x-request-id': requestId,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const outcome = { ...(await readResponse(response)), requestId };
        expect(outcome.headers['x-request-id']).toBe(requestId);
        return outcome;
      }),
    );
  }

  it(`of ${CONCURRENCY} concurrent assignments of one vehicle exactly one is 201, and exactly one assign entry is written`, async () => {
    const actor = await newActor(t, 'racer');
    const vehicle = await createVehicle(t);
    const technicians = await Promise.all(Array.from({ length: CONCURRENCY }, () => createTechnician(t)));
    const outcomes = await race(actor, (i) => ({
      method: 'POST',
      path: '/api/admin/assignments',
      body: { vehicleId: vehicle.id, technicianId: technicians[i]!.id },
    }));
    const winners = outcomes.filter((o) => o.statusCode === 201);
    expect(winners).toHaveLength(1);
    for (const loser of outcomes.filter((o) => o.statusCode !== 201)) expectProblem(loser, 409, 'vehicle-busy');
    const { assignment } = JSON.parse(winners[0]!.body) as { assignment: Assignment };

    const ofVehicle = (await auditEntries(t, { entityType: 'assignment', actor: actor.sub })).filter(
      (entry) => (entry.after as Assignment | null)?.vehicleId === vehicle.id,
    );
    expect(ofVehicle).toHaveLength(1);
    expect(ofVehicle[0]).toEqual({
      id: ofVehicle[0]!.id,
      at: ofVehicle[0]!.at,
      actor: actor.sub,
      actorIssuer: 'allot',
      action: 'assign',
      entityType: 'assignment',
      entityId: String(assignment.id),
      requestId: winners[0]!.requestId,
      before: null,
      after: assignment,
    });
    // The losers wrote nothing at all.
    expect(await actor.entries()).toHaveLength(1);
  });

  it(`of ${CONCURRENCY} concurrent returns of one assignment exactly one writes a return entry`, async () => {
    const actor = await newActor(t, 'returner');
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const { id } = await assign(t, vehicle.id, technician.id);
    const { assignment: before } = await current<{ assignment: Assignment }>(t, `/api/admin/assignments/${id}`);
    const outcomes = await race(actor, () => ({ method: 'PATCH', path: `/api/admin/assignments/${id}/return` }));
    const winners = outcomes.filter((o) => o.statusCode === 200);
    expect(winners).toHaveLength(1);
    for (const loser of outcomes.filter((o) => o.statusCode !== 200)) expectProblem(loser, 409, 'assignment-returned');
    const { assignment: after } = JSON.parse(winners[0]!.body) as { assignment: Assignment };

    const entries = await entriesAbout(t, 'assignment', id);
    expect(entries.map((entry) => entry.action)).toEqual(['return', 'assign']);
    expect(entries[0]).toMatchObject({ actor: actor.sub, requestId: winners[0]!.requestId, before, after });
  });

  it(`${CONCURRENCY} concurrent creates each get their own entry, with their own request id`, async () => {
    const actor = await newActor(t, 'burst');
    const outcomes = await race(actor, () => ({ method: 'POST', path: '/api/admin/vehicles', body: { plateNumber: plate() } }));
    expect(outcomes.map((o) => o.statusCode)).toEqual(Array(CONCURRENCY).fill(201));
    const entries = await actor.entries();
    expectNewestFirst(entries);
    expect(entries.map((entry) => entry.requestId).sort()).toEqual(outcomes.map((o) => o.requestId).sort());
    for (const outcome of outcomes) {
      const { vehicle } = JSON.parse(outcome.body) as { vehicle: Vehicle };
      const entry = entries.find((e) => e.requestId === outcome.requestId)!;
      expect(entry).toMatchObject({ action: 'create', entityType: 'vehicle', entityId: String(vehicle.id), before: null, after: vehicle });
    }
  });

  it(`${CONCURRENCY} concurrent updates of one vehicle chain: each entry's before is the after of the one before it`, async () => {
    const actor = await newActor(t, 'editor');
    const vehicle = await createVehicle(t);
    const outcomes = await race(actor, (i) => ({
      method: 'PATCH',
      path: `/api/admin/vehicles/${vehicle.id}`,
      body: { model: `Model ${i}` },
    }));
    expect(outcomes.map((o) => o.statusCode)).toEqual(Array(CONCURRENCY).fill(200));
    const { vehicle: final } = await current<{ vehicle: Vehicle }>(t, `/api/admin/vehicles/${vehicle.id}`);

    // Oldest first: the order in which the changes took effect.
    const updates = (await entriesAbout(t, 'vehicle', vehicle.id)).filter((entry) => entry.action === 'update').reverse();
    expect(updates).toHaveLength(CONCURRENCY);
    expect(updates[0]!.before).toEqual(vehicle);
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.before).toEqual(updates[i - 1]!.after);
    expect(updates[updates.length - 1]!.after).toEqual(final);
    // Each entry's after is what its own request answered.
    for (const update of updates) {
      const outcome = outcomes.find((o) => o.requestId === update.requestId)!;
      expect(update.after).toEqual((JSON.parse(outcome.body) as { vehicle: Vehicle }).vehicle);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('the audit table is append-only', () => {
  class Rollback extends Error {}

  /**
   * Runs `statement` in a transaction that is always rolled back, so that a database which fails
   * to refuse it loses nothing (on PostgreSQL the log is shared by every test file). Resolves with
   * the statement's error, or undefined if it went through.
   */
  async function attempt(statement: SQL): Promise<unknown> {
    let failure: unknown;
    try {
      await t.database.db.transaction(async (tx) => {
        try {
          await tx.execute(statement);
        } catch (error) {
          failure = error ?? new Error('rejected');
        }
        throw new Rollback();
      });
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
    }
    return failure;
  }

  async function anEntry(): Promise<{ actor: Actor; entry: AuditEntry }> {
    const actor = await newActor(t);
    ok(await actor.send('POST', '/api/admin/vehicles', { plateNumber: plate() }), 201);
    const [entry] = await actor.entries();
    return { actor, entry: entry! };
  }

  it("update audit_log set actor = 'x' is refused", async () => {
    const { actor, entry } = await anEntry();
    expect(await attempt(sql`update audit_log set actor = 'x'`)).toBeDefined();
    expect(await attempt(sql`update audit_log set actor = 'x' where id = ${entry.id}`)).toBeDefined();
    expect(await actor.entries()).toEqual([entry]);
  });

  it('delete from audit_log is refused', async () => {
    const { actor, entry } = await anEntry();
    expect(await attempt(sql`delete from audit_log`)).toBeDefined();
    expect(await attempt(sql`delete from audit_log where id = ${entry.id}`)).toBeDefined();
    expect(await actor.entries()).toEqual([entry]);
  });

  it('the refusal is the database’s own: a plain statement outside any transaction is rejected too', async () => {
    const { actor, entry } = await anEntry();
    // Only the row of this test's entry: should the database accept it, nothing else is harmed.
    await expect(t.database.db.execute(sql`update audit_log set actor = 'x' where id = ${entry.id}`)).rejects.toThrow();
    await expect(t.database.db.execute(sql`delete from audit_log where id = ${entry.id}`)).rejects.toThrow();
    expect(await actor.entries()).toEqual([entry]);
  });
});
