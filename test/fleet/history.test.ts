import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { MISSING_ID, assign, createTechnician, createVehicle, returnAssignment } from '../support/fleet.ts';
import type { Assignment } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

interface History {
  assignments: Assignment[];
  nextCursor: string | null;
}

async function history(url: string): Promise<History> {
  const response = await t.request('GET', url);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<History>();
}

/** A vehicle handed to three technicians in turn; the last still holds it. */
async function vehicleWithHistory() {
  const vehicle = await createVehicle(t);
  const held: Assignment[] = [];
  for (let i = 0; i < 3; i++) {
    const technician = await createTechnician(t);
    const assignment = await assign(t, vehicle.id, technician.id);
    held.push(i < 2 ? await returnAssignment(t, assignment.id) : assignment);
  }
  return { vehicle, held };
}

describe('GET /api/admin/vehicles/:id/assignments', () => {
  it('lists every assignment the vehicle had, newest first, returned and active', async () => {
    const { vehicle, held } = await vehicleWithHistory();
    const { assignments, nextCursor } = await history(`/api/admin/vehicles/${vehicle.id}/assignments`);
    expect(assignments.map((a) => a.id)).toEqual(held.map((a) => a.id).reverse());
    expect(assignments.map((a) => a.status)).toEqual(['active', 'returned', 'returned']);
    expect(nextCursor).toBeNull();
  });

  it('pages with limit and cursor', async () => {
    const { vehicle, held } = await vehicleWithHistory();
    const first = await history(`/api/admin/vehicles/${vehicle.id}/assignments?limit=2`);
    expect(first.assignments.map((a) => a.id)).toEqual([held[2]!.id, held[1]!.id]);
    const second = await history(`/api/admin/vehicles/${vehicle.id}/assignments?limit=2&cursor=${first.nextCursor}`);
    expect(second.assignments.map((a) => a.id)).toEqual([held[0]!.id]);
    expect(second.nextCursor).toBeNull();
  });

  it('still shows the history of a retired vehicle, which is otherwise gone', async () => {
    const { vehicle, held } = await vehicleWithHistory();
    await returnAssignment(t, held[2]!.id);
    expect((await t.request('DELETE', `/api/admin/vehicles/${vehicle.id}`)).statusCode).toBe(204);
    expectProblem(await t.request('GET', `/api/admin/vehicles/${vehicle.id}`), 404, 'vehicle-not-found');
    const { assignments } = await history(`/api/admin/vehicles/${vehicle.id}/assignments`);
    expect(assignments).toHaveLength(3);
    expect(assignments[0]!.vehicle.plateNumber).toBe(vehicle.plateNumber);
  });

  it('is an empty list for a vehicle never assigned', async () => {
    const vehicle = await createVehicle(t);
    expect(await history(`/api/admin/vehicles/${vehicle.id}/assignments`)).toEqual({ assignments: [], nextCursor: null });
  });

  it('is 404 for an id that never was a vehicle, 400 for a bad id, limit or cursor', async () => {
    expectProblem(await t.request('GET', `/api/admin/vehicles/${MISSING_ID}/assignments`), 404, 'vehicle-not-found');
    expectProblem(await t.request('GET', '/api/admin/vehicles/0/assignments'), 400, 'validation');
    const vehicle = await createVehicle(t);
    expectProblem(await t.request('GET', `/api/admin/vehicles/${vehicle.id}/assignments?limit=0`), 400, 'validation');
    expectProblem(await t.request('GET', `/api/admin/vehicles/${vehicle.id}/assignments?limit=1&cursor=forged`), 400, 'invalid-cursor');
  });
});

describe('GET /api/admin/technicians/:id/assignments', () => {
  it('lists every assignment the technician had, newest first, also once retired', async () => {
    const technician = await createTechnician(t);
    const held: Assignment[] = [];
    for (let i = 0; i < 2; i++) {
      const vehicle = await createVehicle(t);
      held.push(await returnAssignment(t, (await assign(t, vehicle.id, technician.id)).id));
    }
    expect((await t.request('DELETE', `/api/admin/technicians/${technician.id}`)).statusCode).toBe(204);
    const { assignments, nextCursor } = await history(`/api/admin/technicians/${technician.id}/assignments`);
    expect(assignments.map((a) => a.id)).toEqual(held.map((a) => a.id).reverse());
    expect(assignments.every((a) => a.technician.email === technician.email)).toBe(true);
    expect(nextCursor).toBeNull();
  });

  it('is an empty list for a technician never assigned, 404 for an id that never was one', async () => {
    const technician = await createTechnician(t);
    expect(await history(`/api/admin/technicians/${technician.id}/assignments`)).toEqual({ assignments: [], nextCursor: null });
    expectProblem(await t.request('GET', `/api/admin/technicians/${MISSING_ID}/assignments`), 404, 'technician-not-found');
  });
});
