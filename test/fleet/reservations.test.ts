import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { entriesAbout } from '../support/audit.ts';
import { ISO_MS, MISSING_ID, assign, createTechnician, createVehicle, returnAssignment } from '../support/fleet.ts';
import type { Assignment, Technician, Vehicle } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

interface Reservation {
  id: number;
  vehicleId: number;
  technicianId: number;
  startsAt: string;
  endsAt: string;
  status: 'booked' | 'started' | 'cancelled';
  assignmentId: number | null;
  notes: string | null;
  createdBy: string;
  createdAt: string;
  vehicle: Vehicle;
  technician: Technician;
}

const HOUR = 3_600_000;
/** An instant `hours` from now, on a whole hour so that intervals meet exactly. */
const at = (hours: number) => new Date(Math.ceil(Date.now() / HOUR) * HOUR + hours * HOUR).toISOString();

async function parties() {
  const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
  return { vehicle, technician };
}

function book(body: Record<string, unknown>) {
  return t.request('POST', '/api/admin/reservations', body);
}

async function booked(body: Record<string, unknown>): Promise<Reservation> {
  const response = await book(body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ reservation: Reservation }>().reservation;
}

async function reservationsFor(query: string): Promise<Reservation[]> {
  const response = await t.request('GET', `/api/admin/reservations${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ reservations: Reservation[] }>().reservations;
}

describe('POST /api/admin/reservations', () => {
  it('books a vehicle for a technician: 201 with the reservation, its vehicle and technician, audited', async () => {
    const { vehicle, technician } = await parties();
    const response = await book({
      vehicleId: vehicle.id,
      technicianId: technician.id,
      startsAt: at(24),
      endsAt: at(48),
      notes: 'site visit',
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(Object.keys(response.json<object>())).toEqual(['reservation']);
    const { reservation } = response.json<{ reservation: Reservation }>();
    expect(Object.keys(reservation)).toEqual([
      'id',
      'vehicleId',
      'technicianId',
      'startsAt',
      'endsAt',
      'status',
      'assignmentId',
      'notes',
      'createdBy',
      'createdAt',
      'vehicle',
      'technician',
    ]);
    expect(reservation).toMatchObject({
      vehicleId: vehicle.id,
      technicianId: technician.id,
      startsAt: at(24),
      endsAt: at(48),
      status: 'booked',
      assignmentId: null,
      notes: 'site visit',
      createdBy: 'test-admin',
    });
    expect(reservation.createdAt).toMatch(ISO_MS);
    expect(reservation.vehicle.id).toBe(vehicle.id);
    expect(reservation.technician.id).toBe(technician.id);
    const [entry] = await entriesAbout(t, 'reservation', reservation.id);
    expect(entry).toMatchObject({ action: 'create', before: null, after: reservation });
  });

  it('refuses an overlapping booking of the same vehicle or the same technician: 409, and accepts back-to-back ones', async () => {
    const { vehicle, technician } = await parties();
    const other = await parties();
    await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(10), endsAt: at(20) });

    const sameVehicle = await book({ vehicleId: vehicle.id, technicianId: other.technician.id, startsAt: at(19), endsAt: at(30) });
    expect(expectProblem(sameVehicle, 409, 'vehicle-reserved').detail).toContain(`vehicle ${vehicle.id}`);
    const sameTechnician = await book({ vehicleId: other.vehicle.id, technicianId: technician.id, startsAt: at(5), endsAt: at(11) });
    expect(expectProblem(sameTechnician, 409, 'technician-reserved').detail).toContain(`technician ${technician.id}`);
    const inside = await book({ vehicleId: vehicle.id, technicianId: other.technician.id, startsAt: at(12), endsAt: at(13) });
    expectProblem(inside, 409, 'vehicle-reserved');

    // Half-open: one may end exactly when the next starts.
    await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(20), endsAt: at(25) });
    await booked({ vehicleId: vehicle.id, technicianId: other.technician.id, startsAt: at(5), endsAt: at(10) });
    expect((await reservationsFor(`?vehicleId=${vehicle.id}`)).map((r) => r.startsAt)).toEqual([at(5), at(10), at(20)]);
  });

  it('400 for startsAt not before endsAt, an endsAt already past, unknown fields or a missing one; nothing is booked', async () => {
    const { vehicle, technician } = await parties();
    const base = { vehicleId: vehicle.id, technicianId: technician.id };
    expectProblem(await book({ ...base, startsAt: at(5), endsAt: at(5) }), 400, 'empty-window');
    expectProblem(await book({ ...base, startsAt: at(6), endsAt: at(5) }), 400, 'empty-window');
    expectProblem(await book({ ...base, startsAt: at(-5), endsAt: at(-1) }), 400, 'reservation-ends-passed');
    expectProblem(await book({ ...base, startsAt: at(1), endsAt: at(2), colour: 'red' }), 400, 'validation');
    expectProblem(await book({ ...base, startsAt: 'tomorrow', endsAt: at(2) }), 400, 'validation');
    expectProblem(await book({ ...base, startsAt: at(1), endsAt: '2030-06-30T23:59:60Z' }), 400, 'invalid-instant');
    expectProblem(await book({ vehicleId: vehicle.id, startsAt: at(1), endsAt: at(2) }), 400, 'validation');
    expect(await reservationsFor(`?vehicleId=${vehicle.id}`)).toEqual([]);
  });

  it('accepts a booking that began already and ends ahead', async () => {
    const { vehicle, technician } = await parties();
    const reservation = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(-3), endsAt: at(3) });
    expect(reservation.status).toBe('booked');
  });

  it('404 for an unknown or retired vehicle or technician', async () => {
    const { vehicle, technician } = await parties();
    const window = { startsAt: at(1), endsAt: at(2) };
    expectProblem(await book({ vehicleId: MISSING_ID, technicianId: technician.id, ...window }), 404, 'vehicle-not-found');
    expectProblem(await book({ vehicleId: vehicle.id, technicianId: MISSING_ID, ...window }), 404, 'technician-not-found');
    const retired = await createVehicle(t);
    await returnAssignment(t, (await assign(t, retired.id, (await createTechnician(t)).id)).id);
    expect((await t.request('DELETE', `/api/admin/vehicles/${retired.id}`)).statusCode).toBe(204);
    expectProblem(await book({ vehicleId: retired.id, technicianId: technician.id, ...window }), 404, 'vehicle-not-found');
  });
});

describe('a started reservation', () => {
  it('holds its hours while its assignment is out, and frees the rest once it is returned', async () => {
    const { vehicle, technician } = await parties();
    const reservation = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(-1), endsAt: at(48) });
    const started = await t.request('POST', `/api/admin/reservations/${reservation.id}/start`);
    const { assignment } = started.json<{ assignment: Assignment }>();
    const next = { vehicleId: vehicle.id, technicianId: (await createTechnician(t)).id, startsAt: at(24), endsAt: at(30) };
    expectProblem(await book(next), 409, 'vehicle-reserved');
    await returnAssignment(t, assignment.id);
    await booked(next);
  });

  it('frees its hours when its assignment is returned in bulk or transferred', async () => {
    for (const hand of ['bulk', 'transfer'] as const) {
      const { vehicle, technician } = await parties();
      const reservation = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(-1), endsAt: at(48) });
      const { assignment } = (await t.request('POST', `/api/admin/reservations/${reservation.id}/start`)).json<{
        assignment: Assignment;
      }>();
      const response =
        hand === 'bulk'
          ? await t.request('POST', '/api/admin/assignments/return', { ids: [assignment.id] })
          : await t.request('POST', `/api/admin/assignments/${assignment.id}/transfer`, { technicianId: (await createTechnician(t)).id });
      expect(response.statusCode, response.body).toBeLessThan(300);
      await booked({ vehicleId: (await createVehicle(t)).id, technicianId: technician.id, startsAt: at(24), endsAt: at(30) });
    }
  });
});

describe('retiring a booked party', () => {
  it('a vehicle with bookings is retired, not deleted: its reservation stays readable, and starting it is 404', async () => {
    const { vehicle, technician } = await parties();
    const reservation = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(50), endsAt: at(51) });
    expect((await t.request('DELETE', `/api/admin/vehicles/${vehicle.id}`)).statusCode).toBe(204);
    expectProblem(await t.request('GET', `/api/admin/vehicles/${vehicle.id}`), 404, 'vehicle-not-found');
    const read = await t.request('GET', `/api/admin/reservations/${reservation.id}`);
    expect(read.json<{ reservation: Reservation }>().reservation.vehicle.id).toBe(vehicle.id);
    expectProblem(await t.request('POST', `/api/admin/reservations/${reservation.id}/start`), 404, 'vehicle-not-found');
    // Cancelling frees the technician's hours.
    expect((await t.request('DELETE', `/api/admin/reservations/${reservation.id}`)).statusCode).toBe(204);
    await booked({ vehicleId: (await createVehicle(t)).id, technicianId: technician.id, startsAt: at(50), endsAt: at(51) });
  });
});

describe('GET /api/admin/reservations', () => {
  it('filters by vehicle, technician, status and the window they overlap, by startsAt', async () => {
    const { vehicle, technician } = await parties();
    const other = await createTechnician(t);
    const early = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(100), endsAt: at(110) });
    const late = await booked({ vehicleId: vehicle.id, technicianId: other.id, startsAt: at(120), endsAt: at(130) });
    const ids = (reservations: Reservation[]) => reservations.map((r) => r.id);

    expect(ids(await reservationsFor(`?vehicleId=${vehicle.id}`))).toEqual([early.id, late.id]);
    expect(ids(await reservationsFor(`?technicianId=${other.id}`))).toEqual([late.id]);
    expect(ids(await reservationsFor(`?vehicleId=${vehicle.id}&from=${at(110)}`))).toEqual([late.id]);
    expect(ids(await reservationsFor(`?vehicleId=${vehicle.id}&to=${at(120)}`))).toEqual([early.id]);
    expect(ids(await reservationsFor(`?vehicleId=${vehicle.id}&from=${at(105)}&to=${at(125)}`))).toEqual([early.id, late.id]);
    expect(ids(await reservationsFor(`?vehicleId=${vehicle.id}&from=${at(110)}&to=${at(120)}`))).toEqual([]);
    expect((await t.request('DELETE', `/api/admin/reservations/${early.id}`)).statusCode).toBe(204);
    expect(ids(await reservationsFor(`?vehicleId=${vehicle.id}&status=cancelled`))).toEqual([early.id]);
    expect(ids(await reservationsFor(`?vehicleId=${vehicle.id}&status=booked`))).toEqual([late.id]);
  });

  it('400 for a window that holds no instant or a bad filter', async () => {
    expectProblem(await t.request('GET', `/api/admin/reservations?from=${at(2)}&to=${at(1)}`), 400, 'empty-window');
    expectProblem(await t.request('GET', '/api/admin/reservations?from=2030-06-30T23:59:60Z'), 400, 'invalid-instant');
    expectProblem(await t.request('GET', '/api/admin/reservations?vehicleId=abc'), 400, 'validation');
    expectProblem(await t.request('GET', '/api/admin/reservations?status=maybe'), 400, 'validation');
  });
});

describe('GET /api/admin/reservations/:id', () => {
  it('200 with the reservation; 404 for an unknown id; 400 for a bad one', async () => {
    const { vehicle, technician } = await parties();
    const reservation = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(1), endsAt: at(2) });
    const response = await t.request('GET', `/api/admin/reservations/${reservation.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ reservation });
    expectProblem(await t.request('GET', `/api/admin/reservations/${MISSING_ID}`), 404, 'reservation-not-found');
    expectProblem(await t.request('GET', '/api/admin/reservations/0'), 400, 'validation');
  });
});

describe('DELETE /api/admin/reservations/:id', () => {
  it('cancels: 204; it stays readable, no longer blocks its hours, and a second cancel changes nothing', async () => {
    const { vehicle, technician } = await parties();
    const reservation = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(30), endsAt: at(40) });
    expect((await t.request('DELETE', `/api/admin/reservations/${reservation.id}`)).statusCode).toBe(204);
    const read = await t.request('GET', `/api/admin/reservations/${reservation.id}`);
    expect(read.json<{ reservation: Reservation }>().reservation.status).toBe('cancelled');
    await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(30), endsAt: at(40) });

    expect((await t.request('DELETE', `/api/admin/reservations/${reservation.id}`)).statusCode).toBe(204);
    const entries = await entriesAbout(t, 'reservation', reservation.id);
    expect(entries.map((entry) => entry.action).sort()).toEqual(['cancel', 'create']);
  });

  it('409 once started; 404 for an unknown id', async () => {
    const { vehicle, technician } = await parties();
    const reservation = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(-1), endsAt: at(5) });
    expect((await t.request('POST', `/api/admin/reservations/${reservation.id}/start`)).statusCode).toBe(201);
    expectProblem(await t.request('DELETE', `/api/admin/reservations/${reservation.id}`), 409, 'reservation-started');
    expectProblem(await t.request('DELETE', `/api/admin/reservations/${MISSING_ID}`), 404, 'reservation-not-found');
  });
});

describe('POST /api/admin/reservations/:id/start', () => {
  it('201 with an assignment due back at endsAt; the reservation is started and points at it; both audited', async () => {
    const { vehicle, technician } = await parties();
    const reservation = await booked({
      vehicleId: vehicle.id,
      technicianId: technician.id,
      startsAt: at(24),
      endsAt: at(30),
      notes: 'keys at desk',
    });
    // Any time before its end, also before its start.
    const response = await t.request('POST', `/api/admin/reservations/${reservation.id}/start`);
    expect(response.statusCode, response.body).toBe(201);
    const { assignment } = response.json<{ assignment: Assignment & { expectedReturnAt: string; overdue: boolean } }>();
    expect(assignment).toMatchObject({
      vehicleId: vehicle.id,
      technicianId: technician.id,
      status: 'active',
      expectedReturnAt: at(30),
      overdue: false,
      notes: 'keys at desk',
    });
    const read = (await t.request('GET', `/api/admin/reservations/${reservation.id}`)).json<{ reservation: Reservation }>().reservation;
    expect(read).toMatchObject({ status: 'started', assignmentId: assignment.id });
    expect((await entriesAbout(t, 'reservation', reservation.id)).map((entry) => entry.action).sort()).toEqual(['create', 'start']);
    expect((await entriesAbout(t, 'assignment', assignment.id)).map((entry) => entry.action)).toEqual(['assign']);
  });

  it('409 when it is not booked (started or cancelled) or has ended; nothing changes', async () => {
    const { vehicle, technician } = await parties();
    const started = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(1), endsAt: at(2) });
    expect((await t.request('POST', `/api/admin/reservations/${started.id}/start`)).statusCode).toBe(201);
    expectProblem(await t.request('POST', `/api/admin/reservations/${started.id}/start`), 409, 'reservation-not-booked');

    const cancelled = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(3), endsAt: at(4) });
    await t.request('DELETE', `/api/admin/reservations/${cancelled.id}`);
    expectProblem(await t.request('POST', `/api/admin/reservations/${cancelled.id}/start`), 409, 'reservation-not-booked');

    const other = await parties();
    const ended = await booked({ vehicleId: other.vehicle.id, technicianId: other.technician.id, startsAt: at(5), endsAt: at(6) });
    await t.database.db.execute(
      sql`update reservations set starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' where id = ${ended.id}`,
    );
    expectProblem(await t.request('POST', `/api/admin/reservations/${ended.id}/start`), 409, 'reservation-ended');
    const read = (await t.request('GET', `/api/admin/reservations/${ended.id}`)).json<{ reservation: Reservation }>().reservation;
    expect(read.status).toBe('booked');
  });

  it('409 when either party holds an active assignment now; the reservation stays booked', async () => {
    const { vehicle, technician } = await parties();
    const reservation = await booked({ vehicleId: vehicle.id, technicianId: technician.id, startsAt: at(1), endsAt: at(2) });
    const busy = await assign(t, vehicle.id, (await createTechnician(t)).id);
    expectProblem(await t.request('POST', `/api/admin/reservations/${reservation.id}/start`), 409, 'vehicle-busy');
    await returnAssignment(t, busy.id);
    const other = await assign(t, (await createVehicle(t)).id, technician.id);
    expectProblem(await t.request('POST', `/api/admin/reservations/${reservation.id}/start`), 409, 'technician-busy');
    const read = (await t.request('GET', `/api/admin/reservations/${reservation.id}`)).json<{ reservation: Reservation }>().reservation;
    expect(read).toMatchObject({ status: 'booked', assignmentId: null });
    await returnAssignment(t, other.id);
    expect((await t.request('POST', `/api/admin/reservations/${reservation.id}/start`)).statusCode).toBe(201);
  });

  it('404 for an unknown reservation', async () => {
    expectProblem(await t.request('POST', `/api/admin/reservations/${MISSING_ID}/start`), 404, 'reservation-not-found');
  });
});
