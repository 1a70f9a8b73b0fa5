import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db.ts';
import { adminToken, onPostgres, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { createTechnician, createVehicle, email, plate } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';
import { ownedProject } from '../support/projects.ts';
import { expectAuditedExactly, race, REPLICAS, startReplicas } from '../support/replicas.ts';
import type { Outcome, RaceRequest, Replicas } from '../support/replicas.ts';
import { createUser, newUser, organization } from '../support/users.ts';

/**
 * One Idempotency-Key, sent with the same request 20 times at once across the replicas: the
 * request runs once. Every other answer is that first answer replayed, or a 409 telling the
 * client to retry because the first is still running — never a second change.
 */
const CONCURRENCY = 20;

let replicas: Replicas;
let token: string;
const t = (): TestApp => replicas.instances[0]!;

beforeAll(async () => {
  replicas = await startReplicas();
  token = await adminToken(`idempotent-racer-${unique()}`);
});
afterAll(() => replicas.close());

async function raceOneKey(request: Omit<RaceRequest, 'headers'>): Promise<Outcome[]> {
  const key = `race-${unique()}`;
  return race(replicas, token, CONCURRENCY, () => ({ ...request, headers: { 'idempotency-key': key } }));
}

/** Exactly one answer ran; the rest replay it byte for byte or are 409 idempotency-key-in-progress. */
function expectRanOnce(outcomes: Outcome[], status: number): Outcome {
  const inProgress = (o: Outcome) => o.status === 409 && o.body.includes('/problems/idempotency-key-in-progress');
  const ran = outcomes.filter((o) => o.headers['idempotent-replayed'] !== 'true' && !inProgress(o));
  expect(ran.map((o) => o.status)).toEqual([status]);
  const first = ran[0]!;
  for (const other of outcomes.filter((o) => o !== first)) {
    if (inProgress(other)) {
      expectProblem(other, 409, 'idempotency-key-in-progress');
    } else {
      expect(other.headers['idempotent-replayed']).toBe('true');
      expect(other.status).toBe(first.status);
      expect(other.body).toBe(first.body);
    }
  }
  return first;
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await queryRows<{ n: number }>(t().database.db, query);
  return row!.n;
}

describe(`${CONCURRENCY} concurrent POSTs with one Idempotency-Key across ${REPLICAS} replicas${onPostgres ? '' : ' (PGlite)'}`, () => {
  it('POST /api/admin/vehicles: one vehicle', async () => {
    const plateNumber = plate();
    const outcomes = await raceOneKey({ method: 'POST', path: '/api/admin/vehicles', body: { plateNumber } });
    expectRanOnce(outcomes, 201);
    expect(await count(sql`select count(*)::int as n from vehicles where plate_number = ${plateNumber}`)).toBe(1);
    await expectAuditedExactly(replicas, outcomes);
  });

  it('POST /api/admin/technicians: one technician', async () => {
    const address = email();
    const outcomes = await raceOneKey({ method: 'POST', path: '/api/admin/technicians', body: { name: 'Grace', email: address } });
    expectRanOnce(outcomes, 201);
    expect(await count(sql`select count(*)::int as n from technicians where email = ${address}`)).toBe(1);
    await expectAuditedExactly(replicas, outcomes);
  });

  it('POST /api/admin/assignments: one assignment', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t()), createTechnician(t())]);
    const outcomes = await raceOneKey({
      method: 'POST',
      path: '/api/admin/assignments',
      body: { vehicleId: vehicle.id, technicianId: technician.id },
    });
    expectRanOnce(outcomes, 201);
    expect(await count(sql`select count(*)::int as n from assignments where vehicle_id = ${vehicle.id}`)).toBe(1);
    await expectAuditedExactly(replicas, outcomes);
  });

  it('POST /api/v1/users: one user', async () => {
    const body = newUser();
    const outcomes = await raceOneKey({ method: 'POST', path: '/api/v1/users', body });
    expectRanOnce(outcomes, 201);
    expect(await count(sql`select count(*)::int as n from users where email = ${String(body.email)}`)).toBe(1);
    await expectAuditedExactly(replicas, outcomes);
  });

  it('POST /api/v1/projects: one project', async () => {
    const name = `P-${unique()}`;
    const outcomes = await raceOneKey({ method: 'POST', path: '/api/v1/projects', body: { project_name: name } });
    expectRanOnce(outcomes, 201);
    expect(await count(sql`select count(*)::int as n from projects where project_name = ${name}`)).toBe(1);
    await expectAuditedExactly(replicas, outcomes);
  });

  it('POST /api/v1/assignments/: one project assignment', async () => {
    const domain = organization();
    const project = await ownedProject(t(), domain);
    const dev = await createUser(t(), { role: ['Dev'], domain });
    const outcomes = await raceOneKey({
      method: 'POST',
      path: '/api/v1/assignments/',
      body: { user_id: dev.user_id, project_id: project.project_id },
    });
    expectRanOnce(outcomes, 201);
    expect(await count(sql`select count(*)::int as n from project_assignments where user_id = ${dev.user_id}`)).toBe(1);
    await expectAuditedExactly(replicas, outcomes);
  });

  it('POST /api/v1/assignments/bulk: one set of assignments', async () => {
    const domain = organization();
    const projects = await Promise.all([ownedProject(t(), domain), ownedProject(t(), domain)]);
    const dev = await createUser(t(), { role: ['Dev'], domain });
    const outcomes = await raceOneKey({
      method: 'POST',
      path: `/api/v1/assignments/bulk?user_id=${dev.user_id}`,
      body: projects.map((p) => p.project_id),
    });
    expectRanOnce(outcomes, 200);
    expect(await count(sql`select count(*)::int as n from project_assignments where user_id = ${dev.user_id}`)).toBe(2);
    await expectAuditedExactly(replicas, outcomes, () => 2);
  });

  it('a rejected first request (409) is what every retry gets, even once the conflict is gone', async () => {
    const address = email();
    await createTechnician(t(), { email: address });
    const outcomes = await raceOneKey({ method: 'POST', path: '/api/admin/technicians', body: { name: 'Dup', email: address } });
    const first = expectRanOnce(outcomes, 409);
    expect(JSON.parse(first.body)).toMatchObject({ status: 409 });
    await expectAuditedExactly(replicas, outcomes);
  });
});
