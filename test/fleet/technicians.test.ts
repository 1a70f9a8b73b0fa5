import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { ISO_MS, MISSING_ID, assign, createTechnician, createVehicle, email, returnAssignment } from '../support/fleet.ts';
import type { Assignment, Technician } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const list = async (query = '') => {
  const response = await t.request('GET', `/api/admin/technicians${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ technicians: Technician[] }>().technicians;
};
const ids = (technicians: Technician[]) => technicians.map((v) => v.id);

describe('POST /api/admin/technicians', () => {
  it('creates a technician: 201 with exactly the technician object', async () => {
    const fields = { name: `Ada ${unique()}`, email: email('ada'), phone: '+44 (0)20 7946-0958' };
    const response = await t.request('POST', '/api/admin/technicians', fields);
    expect(response.statusCode).toBe(201);
    expect(Object.keys(response.json<object>())).toEqual(['technician']);
    const { technician } = response.json<{ technician: Technician }>();
    expect(Object.keys(technician).sort()).toEqual(['activeAssignmentId', 'createdAt', 'email', 'id', 'name', 'phone', 'updatedAt'].sort());
    expect(technician).toMatchObject({ ...fields, activeAssignmentId: null });
    expect(Number.isInteger(technician.id) && technician.id >= 1).toBe(true);
    expect(technician.createdAt).toMatch(ISO_MS);
    expect(technician.updatedAt).toMatch(ISO_MS);
  });

  it('phone is optional and null when not given', async () => {
    const technician = await createTechnician(t);
    expect(technician.phone).toBeNull();
  });

  it.each([
    ['a missing name', { email: 'x@fleet.test' }, '/body/name'],
    ['a missing email', { name: 'X' }, '/body/email'],
    ['an email that is not one', { name: 'X', email: 'not-an-email' }, '/body/email'],
    ['a number as name', { name: 42, email: 'x@fleet.test' }, '/body/name'],
    ['a number as phone', { name: 'X', email: 'x@fleet.test', phone: 42 }, '/body/phone'],
    ['an unknown field', { name: 'X', email: 'x@fleet.test', role: 'admin' }, '/body/role'],
    ['an empty name', { name: '', email: 'x@fleet.test' }, '/body/name'],
    ['a name over 200 characters', { name: 'N'.repeat(201), email: 'x@fleet.test' }, '/body/name'],
    [
      'an email over 254 characters',
      { name: 'X', email: `${'e'.repeat(64)}@${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(63)}.io` },
      '/body/email',
    ],
    ['a phone with letters', { name: 'X', email: 'x@fleet.test', phone: 'call me' }, '/body/phone'],
    ['a phone over 32 characters', { name: 'X', email: 'x@fleet.test', phone: '1'.repeat(33) }, '/body/phone'],
  ])('%s is 400 naming the field', async (_case, body, path) => {
    const error = expectProblem(await t.request('POST', '/api/admin/technicians', body), 400, 'validation');
    expect(error.errors?.map((e) => e.path)).toContain(path);
  });

  it('an email already used is 409, ignoring case', async () => {
    const taken = email('dup');
    await createTechnician(t, { email: taken });
    const error = expectProblem(
      await t.request('POST', '/api/admin/technicians', { name: 'Other', email: taken.toUpperCase() }),
      409,
      'technician-email-taken',
    );
    expect(error.detail).toMatch(/email/);
  });
});

describe('GET /api/admin/technicians', () => {
  it('lists technicians in service by id, ascending', async () => {
    const created = [await createTechnician(t), await createTechnician(t), await createTechnician(t)];
    const mine = (await list()).filter((c) => created.some((x) => x.id === c.id));
    expect(mine).toEqual(created);
    const all = ids(await list());
    expect(all).toEqual([...all].sort((a, b) => a - b));
  });

  it('?available=true shows only free technicians, ?available=false only busy ones', async () => {
    const [free, busy, vehicle] = await Promise.all([createTechnician(t), createTechnician(t), createVehicle(t)]);
    const assignment = await assign(t, vehicle.id, busy.id);

    const available = await list('?available=true');
    expect(ids(available)).toContain(free.id);
    expect(ids(available)).not.toContain(busy.id);
    expect(available.every((c) => c.activeAssignmentId === null)).toBe(true);

    const assigned = await list('?available=false');
    expect(ids(assigned)).toContain(busy.id);
    expect(ids(assigned)).not.toContain(free.id);
    expect(assigned.find((c) => c.id === busy.id)?.activeAssignmentId).toBe(assignment.id);

    await returnAssignment(t, assignment.id);
    expect(ids(await list('?available=true'))).toContain(busy.id);
  });

  it('?available=yes is 400', async () => {
    expectProblem(await t.request('GET', '/api/admin/technicians?available=yes'), 400, 'validation');
  });
});

describe('GET /api/admin/technicians/:id', () => {
  it('returns the technician', async () => {
    const technician = await createTechnician(t, { phone: '555-0100' });
    const response = await t.request('GET', `/api/admin/technicians/${technician.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ technician });
  });

  it('an unknown id is 404', async () => {
    const error = expectProblem(await t.request('GET', `/api/admin/technicians/${MISSING_ID}`), 404, 'technician-not-found');
    expect(error.detail).toContain(`technician ${MISSING_ID}`);
  });

  it.each(['x1', '0', '-7', '2.5'])('the id %s is 400', async (id) => {
    const error = expectProblem(await t.request('GET', `/api/admin/technicians/${id}`), 400, 'validation');
    expect(error.errors?.[0]?.path).toBe('/path/id');
  });
});

describe('PATCH /api/admin/technicians/:id', () => {
  it('changes the given fields and keeps the others: 200', async () => {
    const technician = await createTechnician(t, { phone: '555-0101' });
    const newEmail = email('moved');
    const response = await t.request('PATCH', `/api/admin/technicians/${technician.id}`, { email: newEmail, phone: null });
    expect(response.statusCode).toBe(200);
    const updated = response.json<{ technician: Technician }>().technician;
    expect(updated).toEqual({ ...technician, email: newEmail, phone: null, updatedAt: expect.stringMatching(ISO_MS) });
    expect((await t.request('GET', `/api/admin/technicians/${technician.id}`)).json()).toEqual({ technician: updated });
  });

  it.each([
    ['an empty body', {}],
    ['an unknown field', { nickname: 'Ace' }],
    ['a null name', { name: null }],
    ['a bad email', { email: 'nope' }],
    ['a number as phone', { phone: 5550100 }],
  ])('%s is 400', async (_case, body) => {
    const technician = await createTechnician(t);
    expectProblem(await t.request('PATCH', `/api/admin/technicians/${technician.id}`, body), 400, 'validation');
  });

  it('an unknown id is 404', async () => {
    expectProblem(await t.request('PATCH', `/api/admin/technicians/${MISSING_ID}`, { name: 'Nobody' }), 404, 'technician-not-found');
  });

  it("another technician's email (any case) is 409 and changes nothing", async () => {
    const [first, second] = await Promise.all([createTechnician(t), createTechnician(t)]);
    expectProblem(
      await t.request('PATCH', `/api/admin/technicians/${second.id}`, { name: 'Renamed', email: first.email.toUpperCase() }),
      409,
      'technician-email-taken',
    );
    expect((await t.request('GET', `/api/admin/technicians/${second.id}`)).json()).toEqual({ technician: second });
  });
});

describe('DELETE /api/admin/technicians/:id', () => {
  it('a technician never assigned is deleted: 204, then 404', async () => {
    const technician = await createTechnician(t);
    const response = await t.request('DELETE', `/api/admin/technicians/${technician.id}`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expectProblem(await t.request('GET', `/api/admin/technicians/${technician.id}`), 404, 'technician-not-found');
    expectProblem(await t.request('DELETE', `/api/admin/technicians/${technician.id}`), 404, 'technician-not-found');
  });

  it('an unknown id is 404', async () => {
    expectProblem(await t.request('DELETE', `/api/admin/technicians/${MISSING_ID}`), 404, 'technician-not-found');
  });

  it('a bad id is 400', async () => {
    expectProblem(await t.request('DELETE', '/api/admin/technicians/zero'), 400, 'validation');
  });

  it('a technician with an active assignment is 409 and stays', async () => {
    const [technician, vehicle] = await Promise.all([createTechnician(t), createVehicle(t)]);
    const assignment = await assign(t, vehicle.id, technician.id);
    const error = expectProblem(await t.request('DELETE', `/api/admin/technicians/${technician.id}`), 409, 'technician-assigned');
    expect(error.detail).toContain(`technician ${technician.id}`);
    const after = (await t.request('GET', `/api/admin/technicians/${technician.id}`)).json<{ technician: Technician }>();
    expect(after.technician.activeAssignmentId).toBe(assignment.id);
  });

  it('a technician with history is retired: gone from the API, still whole in their past assignments', async () => {
    const technician = await createTechnician(t, { phone: '555-0199' });
    const [vehicle, otherVehicle] = await Promise.all([createVehicle(t), createVehicle(t)]);
    const past = await returnAssignment(t, (await assign(t, vehicle.id, technician.id)).id);

    expect((await t.request('DELETE', `/api/admin/technicians/${technician.id}`)).statusCode).toBe(204);

    expect(ids(await list())).not.toContain(technician.id);
    expectProblem(await t.request('GET', `/api/admin/technicians/${technician.id}`), 404, 'technician-not-found');
    expectProblem(await t.request('PATCH', `/api/admin/technicians/${technician.id}`, { name: 'Back' }), 404, 'technician-not-found');
    const refused = expectProblem(
      await t.request('POST', '/api/admin/assignments', { vehicleId: otherVehicle.id, technicianId: technician.id }),
      404,
      'technician-not-found',
    );
    expect(refused.detail).toContain(`technician ${technician.id}`);

    const history = (await t.request('GET', `/api/admin/assignments/${past.id}`)).json<{ assignment: Assignment }>();
    expect(history.assignment).toEqual({ ...past, technician: { ...technician, updatedAt: expect.stringMatching(ISO_MS) } });

    // Their email is free again for a new technician.
    const successor = await createTechnician(t, { email: technician.email });
    expect(successor.id).not.toBe(technician.id);
  });
});
