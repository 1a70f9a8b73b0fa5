import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db.ts';
import { onPostgres, unique } from '../support/app.ts';
import { createTechnician, createVehicle } from '../support/fleet.ts';
import type { Assignment } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';
import { raceFile, REPLICAS, tally } from '../support/replicas.ts';

const CONCURRENCY = 20;

const { first: t, raceAll } = raceFile('racer');

async function activeCount(column: 'vehicle_id' | 'technician_id', id: number): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    t().database.db,
    sql`select count(*)::int as n from assignments where ${sql.identifier(column)} = ${id} and status = 'active'`,
  );
  return row!.n;
}

describe(`races (${REPLICAS} replicas on one ${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it(`of ${CONCURRENCY} concurrent assignments of one vehicle exactly one is 201, the rest 409 vehicle-busy`, async () => {
    const vehicle = await createVehicle(t());
    const technicians = await Promise.all(Array.from({ length: CONCURRENCY }, () => createTechnician(t())));
    const outcomes = await raceAll(CONCURRENCY, (i) => ({
      method: 'POST',
      path: '/api/admin/assignments',
      body: { vehicleId: vehicle.id, technicianId: technicians[i]!.id },
    }));

    expect(tally(outcomes)).toEqual({ 201: 1, 409: CONCURRENCY - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) {
      expect(expectProblem(loser, 409, 'vehicle-busy').detail).toContain(`vehicle ${vehicle.id}`);
    }
    expect(await activeCount('vehicle_id', vehicle.id)).toBe(1);
    // Every instance (replica) answered some of the contested requests.
    expect(new Set(outcomes.filter((o) => o.status === 409).map((o) => o.instance)).size).toBe(REPLICAS);
    const winner = JSON.parse(outcomes.find((o) => o.status === 201)!.body) as { assignment: Assignment };
    const busy = await t().request('GET', '/api/admin/technicians?available=false');
    const busyIds = busy.json<{ technicians: { id: number }[] }>().technicians.map((x) => x.id);
    expect(technicians.filter((x) => busyIds.includes(x.id)).map((x) => x.id)).toEqual([winner.assignment.technicianId]);
  });

  it(`of ${CONCURRENCY} concurrent assignments of one technician exactly one is 201, the rest 409 technician-busy`, async () => {
    const technician = await createTechnician(t());
    const vehicles = await Promise.all(Array.from({ length: CONCURRENCY }, () => createVehicle(t())));
    const outcomes = await raceAll(CONCURRENCY, (i) => ({
      method: 'POST',
      path: '/api/admin/assignments',
      body: { vehicleId: vehicles[i]!.id, technicianId: technician.id },
    }));

    expect(tally(outcomes)).toEqual({ 201: 1, 409: CONCURRENCY - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) {
      expect(expectProblem(loser, 409, 'technician-busy').detail).toContain(`technician ${technician.id}`);
    }
    expect(await activeCount('technician_id', technician.id)).toBe(1);
  });

  it(`of ${CONCURRENCY} concurrent returns of one assignment exactly one is 200, the rest 409 assignment-returned`, async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t()), createTechnician(t())]);
    const created = await t().request('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: technician.id });
    const { assignment } = created.json<{ assignment: Assignment }>();
    const outcomes = await raceAll(CONCURRENCY, () => ({ method: 'PATCH', path: `/api/admin/assignments/${assignment.id}/return` }));

    expect(tally(outcomes)).toEqual({ 200: 1, 409: CONCURRENCY - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) expectProblem(loser, 409, 'assignment-returned');
    const winner = JSON.parse(outcomes.find((o) => o.status === 200)!.body) as { assignment: Assignment };
    const stored = (await t().request('GET', `/api/admin/assignments/${assignment.id}`)).json<{ assignment: Assignment }>();
    expect(stored.assignment).toEqual(winner.assignment);
    expect(await activeCount('vehicle_id', vehicle.id)).toBe(0);
  });

  it('concurrent assignments whose vehicles and technicians overlap never leave two actives on either; the losers are 409 busy', async () => {
    // A 4 × 5 grid: every vehicle wanted by every technician at once.
    const vehicles = await Promise.all(Array.from({ length: 4 }, () => createVehicle(t())));
    const technicians = await Promise.all(Array.from({ length: 5 }, () => createTechnician(t())));
    const pairs = vehicles.flatMap((v) => technicians.map((c) => ({ vehicleId: v.id, technicianId: c.id })));
    const outcomes = await raceAll(pairs.length, (i) => ({ method: 'POST', path: '/api/admin/assignments', body: pairs[i] }));

    const counts = tally(outcomes);
    expect((counts[201] ?? 0) + (counts[409] ?? 0)).toBe(pairs.length);
    expect(counts[201]).toBeGreaterThanOrEqual(1);
    expect(counts[201]).toBeLessThanOrEqual(vehicles.length);
    for (const loser of outcomes.filter((o) => o.status === 409)) {
      const slug = (JSON.parse(loser.body) as { type: string }).type.replace('/problems/', '');
      expect(['vehicle-busy', 'technician-busy']).toContain(slug);
      expectProblem(loser, 409, slug);
    }
    for (const v of vehicles) expect(await activeCount('vehicle_id', v.id)).toBeLessThanOrEqual(1);
    for (const c of technicians) expect(await activeCount('technician_id', c.id)).toBeLessThanOrEqual(1);
  });

  it('concurrent deletes and assignments of one vehicle: either it is deleted and nobody got it, or it is assigned and stays', async () => {
    const vehicle = await createVehicle(t());
    const technicians = await Promise.all(Array.from({ length: 10 }, () => createTechnician(t())));
    const outcomes = await raceAll(12, (i) =>
      i % 6 === 5
        ? { method: 'DELETE', path: `/api/admin/vehicles/${vehicle.id}` }
        : {
            method: 'POST',
            path: '/api/admin/assignments',
            body: { vehicleId: vehicle.id, technicianId: technicians[i - Math.floor(i / 6)]!.id },
          },
    );

    const deleteOutcomes = outcomes.filter((_, i) => i % 6 === 5);
    const createOutcomes = outcomes.filter((_, i) => i % 6 !== 5);
    const deletes = deleteOutcomes.map((o) => o.status);
    const creates = createOutcomes.map((o) => o.status);
    expect(outcomes.every((o) => o.status < 500)).toBe(true);
    const assigned = creates.filter((s) => s === 201).length;
    expect(assigned).toBeLessThanOrEqual(1);
    if (assigned === 1) {
      // Assigned first: every delete is refused while the assignment is active.
      expect(deletes).toEqual([409, 409]);
      for (const refused of deleteOutcomes) expectProblem(refused, 409, 'vehicle-assigned');
      for (const loser of createOutcomes.filter((o) => o.status !== 201)) expectProblem(loser, 409, 'vehicle-busy');
      expect((await t().request('GET', `/api/admin/vehicles/${vehicle.id}`)).statusCode).toBe(200);
    } else {
      // Deleted first: nobody can have it, and only one delete found it.
      expect(deletes.sort()).toEqual([204, 404]);
      expectProblem(
        deleteOutcomes.find((o) => o.status === 404)!,
        404,
        'vehicle-not-found',
      );
      for (const refused of createOutcomes) expectProblem(refused, 404, 'vehicle-not-found');
      expectProblem(await t().request('GET', `/api/admin/vehicles/${vehicle.id}`), 404, 'vehicle-not-found');
    }
  });

  it(`of ${CONCURRENCY} concurrent creates of vehicles with one plate exactly one is 201, the rest 409 plate-number-taken`, async () => {
    const plateNumber = `RACE-${unique()}`;
    const outcomes = await raceAll(CONCURRENCY, (i) => ({
      method: 'POST',
      path: '/api/admin/vehicles',
      body: { plateNumber: i % 2 ? plateNumber : plateNumber.toLowerCase() },
    }));
    expect(tally(outcomes)).toEqual({ 201: 1, 409: CONCURRENCY - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) expectProblem(loser, 409, 'plate-number-taken');
    const listed = (await t().request('GET', '/api/admin/vehicles')).json<{ vehicles: { plateNumber: string }[] }>();
    expect(listed.vehicles.filter((v) => v.plateNumber.toLowerCase() === plateNumber.toLowerCase())).toHaveLength(1);
  });
});

describe(`technicians' emails (${REPLICAS} replicas)`, () => {
  it(`of ${CONCURRENCY} concurrent creates of technicians with one email (in any case) exactly one is 201, the rest 409 technician-email-taken`, async () => {
    const address = `race-${unique()}@example.com`;
    const outcomes = await raceAll(CONCURRENCY, (i) => ({
      method: 'POST',
      path: '/api/admin/technicians',
      body: { name: `Racer ${i}`, email: i % 2 ? address : address.toUpperCase() },
    }));
    expect(tally(outcomes)).toEqual({ 201: 1, 409: CONCURRENCY - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) expectProblem(loser, 409, 'technician-email-taken');
  });
});
