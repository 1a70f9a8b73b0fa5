import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { ISO_MS, MISSING_ID, assign, createTechnician, createVehicle, plate, returnAssignment, vin } from '../support/fleet.ts';
import type { Assignment, Vehicle } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const list = async (query = '') => {
  const response = await t.request('GET', `/api/admin/vehicles${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ vehicles: Vehicle[] }>().vehicles;
};
const ids = (vehicles: Vehicle[]) => vehicles.map((v) => v.id);

describe('POST /api/admin/vehicles', () => {
  it('creates a vehicle: 201 with exactly the vehicle object', async () => {
    const fields = { plateNumber: plate(), make: 'Ford', model: 'Transit', year: 2021, vin: vin() };
    const before = Date.now();
    const response = await t.request('POST', '/api/admin/vehicles', fields);
    expect(response.statusCode).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const { vehicle } = response.json<{ vehicle: Vehicle }>();
    expect(Object.keys(response.json<object>())).toEqual(['vehicle']);
    expect(Object.keys(vehicle).sort()).toEqual(
      ['activeAssignmentId', 'createdAt', 'id', 'make', 'model', 'odometer', 'plateNumber', 'updatedAt', 'vin', 'year'].sort(),
    );
    expect(vehicle).toMatchObject({ ...fields, activeAssignmentId: null });
    expect(Number.isInteger(vehicle.id) && vehicle.id >= 1).toBe(true);
    expect(vehicle.createdAt).toMatch(ISO_MS);
    expect(vehicle.updatedAt).toMatch(ISO_MS);
    expect(Date.parse(vehicle.createdAt)).toBeGreaterThanOrEqual(before - 5_000);
  });

  it('only plateNumber is required; the optional fields are null', async () => {
    const plateNumber = plate();
    const vehicle = await createVehicle(t, { plateNumber });
    expect(vehicle).toMatchObject({ plateNumber, make: null, model: null, year: null, vin: null, activeAssignmentId: null });
  });

  it('accepts explicit nulls for the optional fields', async () => {
    const vehicle = await createVehicle(t, { make: null, model: null, year: null, vin: null });
    expect(vehicle).toMatchObject({ make: null, model: null, year: null, vin: null });
  });

  it.each([
    ['a missing plateNumber', { make: 'Ford' }, '/body/plateNumber'],
    ['the string "42" as year', { plateNumber: 'X', year: '42' }, '/body/year'],
    ['a fractional year', { plateNumber: 'X', year: 2020.5 }, '/body/year'],
    ['a number as plateNumber', { plateNumber: 42 }, '/body/plateNumber'],
    ['an unknown field', { plateNumber: 'X', colour: 'red' }, '/body/colour'],
    ['an empty plateNumber', { plateNumber: '' }, '/body/plateNumber'],
    ['a blank plateNumber', { plateNumber: '   ' }, '/body/plateNumber'],
    ['a plateNumber over 32 characters', { plateNumber: 'P'.repeat(33) }, '/body/plateNumber'],
    ['a make over 100 characters', { plateNumber: 'X', make: 'M'.repeat(101) }, '/body/make'],
    ['a VIN over 17 characters', { plateNumber: 'X', vin: 'V'.repeat(18) }, '/body/vin'],
    ['a VIN with punctuation', { plateNumber: 'X', vin: 'AB-12' }, '/body/vin'],
    ['a null plateNumber', { plateNumber: null }, '/body/plateNumber'],
  ])('%s is 400 naming the field', async (_case, body, path) => {
    const error = expectProblem(await t.request('POST', '/api/admin/vehicles', body), 400, 'validation');
    expect(error.errors?.map((e) => e.path)).toContain(path);
  });

  it('a body that is not an object is 400', async () => {
    expectProblem(await t.request('POST', '/api/admin/vehicles', [{ plateNumber: plate() }]), 400, 'validation');
  });

  it('a plate number already in service is 409, ignoring case', async () => {
    const plateNumber = `ab-${unique()}`;
    await createVehicle(t, { plateNumber });
    const error = expectProblem(
      await t.request('POST', '/api/admin/vehicles', { plateNumber: plateNumber.toUpperCase() }),
      409,
      'plate-number-taken',
    );
    expect(error.detail).toMatch(/plate/i);
  });

  it('a VIN already in service is 409, ignoring case', async () => {
    const shared = vin();
    await createVehicle(t, { vin: shared });
    const error = expectProblem(
      await t.request('POST', '/api/admin/vehicles', { plateNumber: plate(), vin: shared.toLowerCase() }),
      409,
      'vin-taken',
    );
    expect(error.detail).toMatch(/VIN/);
  });

  it('a failed create leaves nothing behind', async () => {
    const plateNumber = plate();
    await createVehicle(t, { plateNumber, vin: vin() });
    const shared = vin();
    await createVehicle(t, { vin: shared });
    const other = plate();
    expectProblem(await t.request('POST', '/api/admin/vehicles', { plateNumber: other, vin: shared }), 409, 'vin-taken');
    expect((await list()).some((v) => v.plateNumber === other)).toBe(false);
  });
});

describe('GET /api/admin/vehicles', () => {
  it('lists vehicles in service by id, ascending', async () => {
    const created = [await createVehicle(t), await createVehicle(t), await createVehicle(t)];
    const mine = (await list()).filter((v) => created.some((c) => c.id === v.id));
    expect(mine).toEqual(created);
    const all = ids(await list());
    expect(all).toEqual([...all].sort((a, b) => a - b));
  });

  it('?available=true shows only free vehicles, ?available=false only assigned ones', async () => {
    const [free, busy, technician] = await Promise.all([createVehicle(t), createVehicle(t), createTechnician(t)]);
    const assignment = await assign(t, busy.id, technician.id);

    const available = await list('?available=true');
    expect(ids(available)).toContain(free.id);
    expect(ids(available)).not.toContain(busy.id);
    expect(available.every((v) => v.activeAssignmentId === null)).toBe(true);

    const assigned = await list('?available=false');
    expect(ids(assigned)).toContain(busy.id);
    expect(ids(assigned)).not.toContain(free.id);
    expect(assigned.find((v) => v.id === busy.id)?.activeAssignmentId).toBe(assignment.id);
    expect(assigned.every((v) => v.activeAssignmentId !== null)).toBe(true);

    const everything = ids(await list());
    expect(everything).toEqual(expect.arrayContaining([free.id, busy.id]));
  });

  it('a returned vehicle is available again', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const assignment = await assign(t, vehicle.id, technician.id);
    await returnAssignment(t, assignment.id);
    expect(ids(await list('?available=true'))).toContain(vehicle.id);
    expect(ids(await list('?available=false'))).not.toContain(vehicle.id);
  });

  it('?available=maybe is 400', async () => {
    const error = expectProblem(await t.request('GET', '/api/admin/vehicles?available=maybe'), 400, 'validation');
    expect(error.errors?.[0]?.path).toBe('/query/available');
  });
});

describe('GET /api/admin/vehicles/:id', () => {
  it('returns the vehicle', async () => {
    const vehicle = await createVehicle(t, { make: 'Toyota', year: 2019 });
    const response = await t.request('GET', `/api/admin/vehicles/${vehicle.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ vehicle });
  });

  it('shows the active assignment id while assigned', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const assignment = await assign(t, vehicle.id, technician.id);
    const response = await t.request('GET', `/api/admin/vehicles/${vehicle.id}`);
    expect(response.json<{ vehicle: Vehicle }>().vehicle.activeAssignmentId).toBe(assignment.id);
  });

  it('an unknown id is 404', async () => {
    const error = expectProblem(await t.request('GET', `/api/admin/vehicles/${MISSING_ID}`), 404, 'vehicle-not-found');
    expect(error.detail).toContain(String(MISSING_ID));
  });

  it.each(['abc', '0', '-1', '1.5', '1e3x', '2147483648', '0x10', '1e2', '%205'])('the id %s is 400', async (id) => {
    const error = expectProblem(await t.request('GET', `/api/admin/vehicles/${id}`), 400, 'validation');
    expect(error.errors?.[0]?.path).toBe('/path/id');
  });
});

describe('PATCH /api/admin/vehicles/:id', () => {
  it('changes the given fields and keeps the others: 200', async () => {
    const vehicle = await createVehicle(t, { make: 'Ford', model: 'Transit', year: 2018, vin: vin() });
    const response = await t.request('PATCH', `/api/admin/vehicles/${vehicle.id}`, { model: 'Ranger', year: 2020, vin: null });
    expect(response.statusCode).toBe(200);
    const updated = response.json<{ vehicle: Vehicle }>().vehicle;
    expect(updated).toEqual({
      ...vehicle,
      model: 'Ranger',
      year: 2020,
      vin: null,
      updatedAt: expect.stringMatching(ISO_MS),
    });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(vehicle.updatedAt));
    expect((await t.request('GET', `/api/admin/vehicles/${vehicle.id}`)).json()).toEqual({ vehicle: updated });
  });

  it('may change the plate to another letter case of its own', async () => {
    const vehicle = await createVehicle(t, { plateNumber: `lc-${unique()}` });
    const response = await t.request('PATCH', `/api/admin/vehicles/${vehicle.id}`, { plateNumber: vehicle.plateNumber.toUpperCase() });
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['an empty body', {}],
    ['an unknown field', { colour: 'red' }],
    ['the string "42" as year', { year: '42' }],
    ['a null plateNumber', { plateNumber: null }],
    ['an empty plateNumber', { plateNumber: '' }],
    ['a model over 100 characters', { model: 'M'.repeat(101) }],
  ])('%s is 400', async (_case, body) => {
    const vehicle = await createVehicle(t);
    expectProblem(await t.request('PATCH', `/api/admin/vehicles/${vehicle.id}`, body), 400, 'validation');
  });

  it('an unknown id is 404', async () => {
    expectProblem(await t.request('PATCH', `/api/admin/vehicles/${MISSING_ID}`, { make: 'Ford' }), 404, 'vehicle-not-found');
  });

  it('a bad id is 400', async () => {
    expectProblem(await t.request('PATCH', '/api/admin/vehicles/0', { make: 'Ford' }), 400, 'validation');
  });

  it("another vehicle's plate (any case) or VIN is 409 and changes nothing", async () => {
    const first = await createVehicle(t, { vin: vin() });
    const second = await createVehicle(t);
    expectProblem(
      await t.request('PATCH', `/api/admin/vehicles/${second.id}`, { plateNumber: first.plateNumber.toLowerCase() }),
      409,
      'plate-number-taken',
    );
    expectProblem(await t.request('PATCH', `/api/admin/vehicles/${second.id}`, { make: 'Kia', vin: first.vin }), 409, 'vin-taken');
    expect((await t.request('GET', `/api/admin/vehicles/${second.id}`)).json()).toEqual({ vehicle: second });
  });
});

describe('DELETE /api/admin/vehicles/:id', () => {
  it('a vehicle never assigned is deleted: 204, then 404', async () => {
    const vehicle = await createVehicle(t);
    const response = await t.request('DELETE', `/api/admin/vehicles/${vehicle.id}`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expectProblem(await t.request('GET', `/api/admin/vehicles/${vehicle.id}`), 404, 'vehicle-not-found');
    expectProblem(await t.request('DELETE', `/api/admin/vehicles/${vehicle.id}`), 404, 'vehicle-not-found');
    expect(ids(await list())).not.toContain(vehicle.id);
  });

  it('an unknown id is 404', async () => {
    expectProblem(await t.request('DELETE', `/api/admin/vehicles/${MISSING_ID}`), 404, 'vehicle-not-found');
  });

  it('a bad id is 400', async () => {
    expectProblem(await t.request('DELETE', '/api/admin/vehicles/-3'), 400, 'validation');
  });

  it('a vehicle with an active assignment is 409 and stays', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const assignment = await assign(t, vehicle.id, technician.id);
    const error = expectProblem(await t.request('DELETE', `/api/admin/vehicles/${vehicle.id}`), 409, 'vehicle-assigned');
    expect(error.detail).toContain(`vehicle ${vehicle.id}`);
    const after = (await t.request('GET', `/api/admin/vehicles/${vehicle.id}`)).json<{ vehicle: Vehicle }>().vehicle;
    expect(after.activeAssignmentId).toBe(assignment.id);
  });

  it('a vehicle with history is retired: gone from the API, still whole in its past assignments', async () => {
    const vehicle = await createVehicle(t, { make: 'Volvo', model: 'FH', year: 2015, vin: vin() });
    const [technician, otherTechnician] = await Promise.all([createTechnician(t), createTechnician(t)]);
    const past = await returnAssignment(t, (await assign(t, vehicle.id, technician.id)).id);

    expect((await t.request('DELETE', `/api/admin/vehicles/${vehicle.id}`)).statusCode).toBe(204);

    expect(ids(await list())).not.toContain(vehicle.id);
    expect(ids(await list('?available=true'))).not.toContain(vehicle.id);
    expectProblem(await t.request('GET', `/api/admin/vehicles/${vehicle.id}`), 404, 'vehicle-not-found');
    expectProblem(await t.request('PATCH', `/api/admin/vehicles/${vehicle.id}`, { make: 'Saab' }), 404, 'vehicle-not-found');
    expectProblem(await t.request('DELETE', `/api/admin/vehicles/${vehicle.id}`), 404, 'vehicle-not-found');
    const refused = expectProblem(
      await t.request('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: otherTechnician.id }),
      404,
      'vehicle-not-found',
    );
    expect(refused.detail).toContain(`vehicle ${vehicle.id}`);

    const history = (await t.request('GET', `/api/admin/assignments/${past.id}`)).json<{ assignment: Assignment }>();
    expect(history.assignment).toEqual({ ...past, vehicle: { ...vehicle, updatedAt: expect.stringMatching(ISO_MS) } });

    const byVehicle = (await t.request('GET', `/api/admin/assignments?vehicleId=${vehicle.id}`)).json<{ assignments: Assignment[] }>();
    expect(byVehicle.assignments.map((a) => a.id)).toEqual([past.id]);

    // The retired vehicle gives its plate and VIN back.
    const successor = await createVehicle(t, { plateNumber: vehicle.plateNumber, vin: vehicle.vin });
    expect(successor.id).not.toBe(vehicle.id);
    expect((await t.request('GET', `/api/admin/assignments/${past.id}`)).json<{ assignment: Assignment }>().assignment.vehicle.id).toBe(
      vehicle.id,
    );
  });
});

describe('authorisation', () => {
  it('every vehicle route needs a token', async () => {
    for (const [method, url] of [
      ['GET', '/api/admin/vehicles'],
      ['POST', '/api/admin/vehicles'],
      ['GET', '/api/admin/vehicles/1'],
      ['PATCH', '/api/admin/vehicles/1'],
      ['DELETE', '/api/admin/vehicles/1'],
    ] as const) {
      const response = await t.app.inject({ method, url });
      expectProblem(response, 401, 'unauthorized');
    }
  });
});
