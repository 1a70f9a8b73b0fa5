import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db.ts';
import { onPostgres } from '../support/app.ts';
import { createTechnician, createVehicle } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';
import { raceFile, REPLICAS, tally } from '../support/replicas.ts';

const CONCURRENCY = 20;
const HOUR = 3_600_000;
const at = (hours: number) => new Date(Math.ceil(Date.now() / HOUR) * HOUR + hours * HOUR).toISOString();

const { first: t, raceAll } = raceFile('booker');

async function bookings(column: 'vehicle_id' | 'technician_id', id: number): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    t().database.db,
    sql`select count(*)::int as n from reservations where ${sql.identifier(column)} = ${id} and status <> 'cancelled'`,
  );
  return row!.n;
}

describe(`reservation races (${REPLICAS} replicas on one ${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it(`of ${CONCURRENCY} concurrent overlapping bookings of one vehicle exactly one is 201, the rest 409 vehicle-reserved`, async () => {
    const vehicle = await createVehicle(t());
    const technicians = await Promise.all(Array.from({ length: CONCURRENCY }, () => createTechnician(t())));
    // Each overlaps every other: all contain the hour from 10 to 11.
    const outcomes = await raceAll(CONCURRENCY, (i) => ({
      method: 'POST',
      path: '/api/admin/reservations',
      body: { vehicleId: vehicle.id, technicianId: technicians[i]!.id, startsAt: at(10 - (i % 5)), endsAt: at(11 + (i % 3)) },
    }));
    expect(tally(outcomes)).toEqual({ 201: 1, 409: CONCURRENCY - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) {
      expect(expectProblem(loser, 409, 'vehicle-reserved').detail).toContain(`vehicle ${vehicle.id}`);
    }
    expect(await bookings('vehicle_id', vehicle.id)).toBe(1);
  });

  it(`of ${CONCURRENCY} concurrent overlapping bookings of one technician exactly one is 201, the rest 409 technician-reserved`, async () => {
    const technician = await createTechnician(t());
    const vehicles = await Promise.all(Array.from({ length: CONCURRENCY }, () => createVehicle(t())));
    const outcomes = await raceAll(CONCURRENCY, (i) => ({
      method: 'POST',
      path: '/api/admin/reservations',
      body: { vehicleId: vehicles[i]!.id, technicianId: technician.id, startsAt: at(20), endsAt: at(22) },
    }));
    expect(tally(outcomes)).toEqual({ 201: 1, 409: CONCURRENCY - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) expectProblem(loser, 409, 'technician-reserved');
    expect(await bookings('technician_id', technician.id)).toBe(1);
  });

  it(`${CONCURRENCY} concurrent back-to-back bookings of one vehicle all succeed`, async () => {
    const vehicle = await createVehicle(t());
    const technicians = await Promise.all(Array.from({ length: CONCURRENCY }, () => createTechnician(t())));
    const outcomes = await raceAll(CONCURRENCY, (i) => ({
      method: 'POST',
      path: '/api/admin/reservations',
      body: { vehicleId: vehicle.id, technicianId: technicians[i]!.id, startsAt: at(30 + i), endsAt: at(31 + i) },
    }));
    expect(tally(outcomes)).toEqual({ 201: CONCURRENCY });
    expect(await bookings('vehicle_id', vehicle.id)).toBe(CONCURRENCY);
  });

  it(`of ${CONCURRENCY} concurrent starts of one reservation exactly one is 201, the rest 409`, async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t()), createTechnician(t())]);
    const booked = await t().request('POST', '/api/admin/reservations', {
      vehicleId: vehicle.id,
      technicianId: technician.id,
      startsAt: at(40),
      endsAt: at(41),
    });
    const { reservation } = booked.json<{ reservation: { id: number } }>();
    // The winner writes two entries: the reservation started, the assignment made.
    const outcomes = await raceAll(
      CONCURRENCY,
      () => ({ method: 'POST', path: `/api/admin/reservations/${reservation.id}/start` }),
      () => 2,
    );
    expect(tally(outcomes)).toEqual({ 201: 1, 409: CONCURRENCY - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) expectProblem(loser, 409, 'reservation-not-booked');
  });
});
