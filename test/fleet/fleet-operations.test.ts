import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db.ts';
import { adminToken, testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { auditEntries, newActor, requestIdOf, writtenBy } from '../support/audit.ts';
import type { Actor } from '../support/audit.ts';
import { ISO_MS, MISSING_ID, activeAssignment, assign, createTechnician, createVehicle, returnAssignment } from '../support/fleet.ts';
import type { Assignment, Technician, Vehicle } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let t: TestApp;
let actor: Actor;
beforeAll(async () => {
  t = await testApp();
  actor = await newActor(t, 'operator');
});
afterAll(() => t.close());

const ASSIGNMENTS = '/api/admin/assignments';
const DAY = 86_400_000;

interface Page {
  assignments: Assignment[];
  nextCursor: string | null;
}
interface Transferred {
  assignment: Assignment;
  previous: Assignment;
}

/** An instant `ms` from now, as the API writes it. */
const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();
const ids = (assignments: Assignment[]) => assignments.map((a) => a.id);

function ok<T>(response: LightMyRequestResponse, status = 200): T {
  expect(response.statusCode, response.body).toBe(status);
  return response.json<T>();
}

const getAssignment = async (id: number) => ok<{ assignment: Assignment }>(await t.request('GET', `${ASSIGNMENTS}/${id}`)).assignment;
const getVehicle = async (id: number) => ok<{ vehicle: Vehicle }>(await t.request('GET', `/api/admin/vehicles/${id}`)).vehicle;
const getTechnician = async (id: number) =>
  ok<{ technician: Technician }>(await t.request('GET', `/api/admin/technicians/${id}`)).technician;
const listPage = async (query: string) => ok<Page>(await t.request('GET', `${ASSIGNMENTS}?${query}`));

/** Every page of the list for `query`, walked `limit` at a time. */
async function walk(query: string, limit: number): Promise<{ pages: number[][]; all: Assignment[] }> {
  const pages: number[][] = [];
  const all: Assignment[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await listPage(`${query}&limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    pages.push(ids(page.assignments));
    all.push(...page.assignments);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { pages, all };
}

/** Sets a column of assignments directly in the database: the API refuses a due date in the past. */
async function setColumn(
  column: 'expected_return_at' | 'assigned_at' | 'returned_at',
  assignmentIds: number[],
  at: string | null,
): Promise<void> {
  await t.database.db.execute(
    sql`update assignments set ${sql.identifier(column)} = ${at}::timestamptz where id in (${sql.join(
      assignmentIds.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
}

/** How many audit entries the request that got `response` wrote. */
async function auditCount(response: LightMyRequestResponse): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    t.database.db,
    sql`select count(*)::int as n from audit_log where request_id = ${requestIdOf(response)}`,
  );
  return row!.n;
}

async function activeOf(column: 'vehicle_id' | 'technician_id', id: number): Promise<number[]> {
  const rows = await queryRows<{ id: number }>(
    t.database.db,
    sql`select id from assignments where ${sql.identifier(column)} = ${id} and status = 'active' order by id`,
  );
  return rows.map((row) => row.id);
}

async function createAssignment(body: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return actor.send('POST', ASSIGNMENTS, body);
}

// ---------------------------------------------------------------------------------------------
// Due dates
// ---------------------------------------------------------------------------------------------

describe('due dates: POST /api/admin/assignments with expectedReturnAt', () => {
  it('keeps a due date ahead: 201, expectedReturnAt as given, not overdue; GET shows the same', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const due = fromNow(3 * DAY);
    const { assignment } = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, expectedReturnAt: due }),
      201,
    );
    expect(assignment).toMatchObject({ status: 'active', expectedReturnAt: due, overdue: false });
    expect(assignment.expectedReturnAt).toMatch(ISO_MS);
    expect(await getAssignment(assignment.id)).toEqual(assignment);
  });

  it('takes a due date with an offset and writes it in UTC', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const year = new Date().getUTCFullYear() + 1;
    const { assignment } = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, expectedReturnAt: `${year}-06-01T12:00:00.250+02:00` }),
      201,
    );
    expect(assignment.expectedReturnAt).toBe(`${year}-06-01T10:00:00.250Z`);
  });

  it('without a due date: expectedReturnAt null, never overdue', async () => {
    const assignment = await activeAssignment(t);
    expect(assignment).toMatchObject({ expectedReturnAt: null, overdue: false });
  });

  it.each([
    ['in the past', () => fromNow(-DAY)],
    ['a second ago', () => fromNow(-1_000)],
  ])('a due date %s is 400 due-date-passed, and nothing is assigned', async (_case, due) => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const response = await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, expectedReturnAt: due() });
    expectProblem(response, 400, 'due-date-passed');
    expect(await activeOf('vehicle_id', vehicle.id)).toEqual([]);
    expect((await getTechnician(technician.id)).activeAssignmentId).toBeNull();
    expect(await auditCount(response)).toBe(0);
  });

  it.each([
    ['not a date', 'tomorrow'],
    ['a date without a time', '2099-01-01'],
    ['a number', 4_102_444_800_000],
  ])('a due date that is %s is 400 naming the field', async (_case, due) => {
    const error = expectProblem(await createAssignment({ vehicleId: 1, technicianId: 1, expectedReturnAt: due }), 400, 'validation');
    expect(error.errors?.map((e) => e.path)).toContain('/body/expectedReturnAt');
  });

  it('an active assignment past its due date is overdue; once returned it is not', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const created = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, expectedReturnAt: fromNow(DAY) }),
      201,
    ).assignment;
    await setColumn('expected_return_at', [created.id], '2020-01-02T03:04:05.678Z');
    expect(await getAssignment(created.id)).toMatchObject({ expectedReturnAt: '2020-01-02T03:04:05.678Z', overdue: true });

    const returned = await returnAssignment(t, created.id);
    expect(returned).toMatchObject({ status: 'returned', expectedReturnAt: '2020-01-02T03:04:05.678Z', overdue: false });
    expect(await getAssignment(created.id)).toMatchObject({ overdue: false });
  });
});

describe('PATCH /api/admin/assignments/:id', () => {
  it('moves the due date of an active assignment: 200 { assignment }, stored, audited as update', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const before = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, expectedReturnAt: fromNow(DAY), notes: 'n1' }),
      201,
    ).assignment;
    const due = fromNow(7 * DAY);
    const response = await actor.send('PATCH', `${ASSIGNMENTS}/${before.id}`, { expectedReturnAt: due });
    const body = ok<{ assignment: Assignment }>(response);
    expect(Object.keys(body)).toEqual(['assignment']);
    expect(body.assignment).toEqual({ ...before, expectedReturnAt: due });
    expect(await getAssignment(before.id)).toEqual(body.assignment);

    const entries = writtenBy(await actor.entries({ entityType: 'assignment', entityId: String(before.id) }), response);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'update', entityId: String(before.id), before, after: body.assignment });
  });

  it('clears the due date with null, and keeps the notes', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const before = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, expectedReturnAt: fromNow(DAY), notes: 'keep me' }),
      201,
    ).assignment;
    const { assignment } = ok<{ assignment: Assignment }>(
      await t.request('PATCH', `${ASSIGNMENTS}/${before.id}`, { expectedReturnAt: null }),
    );
    expect(assignment).toEqual({ ...before, expectedReturnAt: null, overdue: false });
  });

  it('changes the notes alone, keeping the due date; notes null clears them', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const due = fromNow(2 * DAY);
    const before = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, expectedReturnAt: due }),
      201,
    ).assignment;
    const noted = ok<{ assignment: Assignment }>(await t.request('PATCH', `${ASSIGNMENTS}/${before.id}`, { notes: 'spare tyre flat' }));
    expect(noted.assignment).toEqual({ ...before, notes: 'spare tyre flat' });
    const cleared = ok<{ assignment: Assignment }>(await t.request('PATCH', `${ASSIGNMENTS}/${before.id}`, { notes: null }));
    expect(cleared.assignment).toEqual({ ...before, notes: null, expectedReturnAt: due });
  });

  it('a new due date ahead ends an overdue', async () => {
    const assignment = await activeAssignment(t);
    await setColumn('expected_return_at', [assignment.id], '2021-05-05T05:05:05.505Z');
    expect((await getAssignment(assignment.id)).overdue).toBe(true);
    const due = fromNow(DAY);
    const patched = ok<{ assignment: Assignment }>(await t.request('PATCH', `${ASSIGNMENTS}/${assignment.id}`, { expectedReturnAt: due }));
    expect(patched.assignment).toMatchObject({ expectedReturnAt: due, overdue: false });
  });

  it('a due date not ahead is 400 due-date-passed, and the assignment is unchanged', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const before = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, expectedReturnAt: fromNow(DAY) }),
      201,
    ).assignment;
    const response = await actor.send('PATCH', `${ASSIGNMENTS}/${before.id}`, { expectedReturnAt: fromNow(-60_000), notes: 'x' });
    expectProblem(response, 400, 'due-date-passed');
    expect(await getAssignment(before.id)).toEqual(before);
    expect(await auditCount(response)).toBe(0);
  });

  it.each([
    ['an empty body', {}],
    ['an unknown property', { notes: 'x', status: 'returned' }],
    ['only an unknown property', { endOdometer: 5 }],
    ['a due date that is not a date', { expectedReturnAt: 'soon' }],
    ['notes that are not text', { notes: 12 }],
  ])('%s is 400 validation, and the assignment is unchanged', async (_case, body) => {
    const before = await activeAssignment(t);
    expectProblem(await t.request('PATCH', `${ASSIGNMENTS}/${before.id}`, body), 400, 'validation');
    expect(await getAssignment(before.id)).toEqual(before);
  });

  it('a returned assignment is 409 assignment-returned, and stays as it was', async () => {
    const returned = await returnAssignment(t, (await activeAssignment(t)).id);
    const response = await actor.send('PATCH', `${ASSIGNMENTS}/${returned.id}`, { expectedReturnAt: fromNow(DAY) });
    expect(expectProblem(response, 409, 'assignment-returned').detail).toContain(`assignment ${returned.id}`);
    expect(await getAssignment(returned.id)).toEqual(returned);
    expect(await auditCount(response)).toBe(0);
  });

  it('an unknown assignment is 404 assignment-not-found', async () => {
    const error = expectProblem(await t.request('PATCH', `${ASSIGNMENTS}/${MISSING_ID}`, { notes: 'x' }), 404, 'assignment-not-found');
    expect(error.detail).toBe(`assignment ${MISSING_ID} does not exist`);
  });
});

describe('GET /api/admin/assignments?overdue=', () => {
  /**
   * Five overdue assignments (two due at the same instant), one due ahead, one without a due date,
   * one returned past its due date: made one after the other, so that `assignedFrom` the first one
   * finds exactly these.
   */
  async function overdueFixture() {
    const made: Assignment[] = [];
    for (let i = 0; i < 8; i++) made.push(await activeAssignment(t));
    const [o1, o2, o3, o4, o5, ahead, none, returned] = made as [
      Assignment,
      Assignment,
      Assignment,
      Assignment,
      Assignment,
      Assignment,
      Assignment,
      Assignment,
    ];
    await setColumn('expected_return_at', [o1.id], '2022-03-03T00:00:00.000Z');
    await setColumn('expected_return_at', [o2.id], '2022-01-01T00:00:00.000Z');
    // A tie, which a page of two splits: the cursor must tell them apart by id.
    await setColumn('expected_return_at', [o3.id, o4.id], '2022-02-02T00:00:00.000Z');
    await setColumn('expected_return_at', [o5.id], fromNow(-1_000));
    await setColumn('expected_return_at', [ahead.id], fromNow(DAY));
    await setColumn('expected_return_at', [returned.id], '2021-12-31T00:00:00.000Z');
    await returnAssignment(t, returned.id);
    // Most overdue first; the tie by id.
    const overdue = [o2, o3, o4, o1, o5].map((a) => a.id);
    const notOverdue = [ahead, none, returned].map((a) => a.id);
    return { from: encodeURIComponent(o1.assignedAt), overdue, notOverdue, all: made };
  }

  it('overdue=true lists only the overdue ones, most overdue first (ties by id), each overdue: true', async () => {
    const { from, overdue } = await overdueFixture();
    const page = await listPage(`overdue=true&assignedFrom=${from}`);
    expect(ids(page.assignments)).toEqual(overdue);
    expect(page.nextCursor).toBeNull();
    for (const assignment of page.assignments) expect(assignment).toMatchObject({ status: 'active', overdue: true });

    // Unfiltered, the whole overdue list is in that order too, and holds every one of these.
    const everything = await listPage('overdue=true');
    expect(everything.assignments.every((a) => a.overdue && a.status === 'active' && a.expectedReturnAt !== null)).toBe(true);
    const dues = everything.assignments.map((a) => [Date.parse(a.expectedReturnAt!), a.id] as const);
    expect(dues).toEqual([...dues].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    expect(ids(everything.assignments).filter((id) => overdue.includes(id))).toEqual(overdue);
  });

  it('overdue=false lists those that are not overdue: due ahead, without a due date, returned', async () => {
    const { from, notOverdue, all } = await overdueFixture();
    const page = await listPage(`overdue=false&assignedFrom=${from}`);
    // The ordinary order: newest assignedAt first.
    const expected = all.filter((a) => notOverdue.includes(a.id)).sort((a, b) => b.assignedAt.localeCompare(a.assignedAt) || b.id - a.id);
    expect(ids(page.assignments)).toEqual(ids(expected));
    for (const assignment of page.assignments) expect(assignment.overdue).toBe(false);
    // Without the filter, every assignment shows.
    expect(ids((await listPage(`assignedFrom=${from}`)).assignments).sort((a, b) => a - b)).toEqual(ids(all).sort((a, b) => a - b));
  });

  it('the overdue list pages with limit and cursor, in the same order, nothing repeated or lost', async () => {
    const { from, overdue } = await overdueFixture();
    const { pages, all } = await walk(`overdue=true&assignedFrom=${from}`, 2);
    expect(pages).toEqual([overdue.slice(0, 2), overdue.slice(2, 4), overdue.slice(4)]);
    expect(ids(all)).toEqual(overdue);
  });

  it("a cursor of the overdue list is 400 invalid-cursor in the ordinary list, and the ordinary list's in the overdue list", async () => {
    const { from } = await overdueFixture();
    const dueCursor = (await listPage(`overdue=true&assignedFrom=${from}&limit=1`)).nextCursor;
    const plainCursor = (await listPage(`assignedFrom=${from}&limit=1`)).nextCursor;
    expect(dueCursor).toEqual(expect.any(String));
    expect(plainCursor).toEqual(expect.any(String));
    expectProblem(await t.request('GET', `${ASSIGNMENTS}?limit=1&cursor=${encodeURIComponent(dueCursor!)}`), 400, 'invalid-cursor');
    expectProblem(
      await t.request('GET', `${ASSIGNMENTS}?overdue=false&limit=1&cursor=${encodeURIComponent(dueCursor!)}`),
      400,
      'invalid-cursor',
    );
    expectProblem(
      await t.request('GET', `${ASSIGNMENTS}?overdue=true&limit=1&cursor=${encodeURIComponent(plainCursor!)}`),
      400,
      'invalid-cursor',
    );
    // Each is taken by its own list.
    expect((await listPage(`overdue=true&assignedFrom=${from}&limit=1&cursor=${encodeURIComponent(dueCursor!)}`)).assignments).toHaveLength(
      1,
    );
    expect((await listPage(`assignedFrom=${from}&limit=1&cursor=${encodeURIComponent(plainCursor!)}`)).assignments).toHaveLength(1);
  });

  it('overdue that is not a boolean is 400', async () => {
    expectProblem(await t.request('GET', `${ASSIGNMENTS}?overdue=maybe`), 400, 'validation');
  });
});

// ---------------------------------------------------------------------------------------------
// Odometer
// ---------------------------------------------------------------------------------------------

describe('odometer: vehicles', () => {
  it('POST /vehicles keeps an odometer given, null without one', async () => {
    expect((await createVehicle(t, { odometer: 12_345 })).odometer).toBe(12_345);
    expect((await createVehicle(t)).odometer).toBeNull();
  });

  it.each([
    ['negative', -1],
    ['fractional', 1.5],
    ['text', '100'],
  ])('POST /vehicles with a %s odometer is 400', async (_case, odometer) => {
    const error = expectProblem(
      await t.request('POST', '/api/admin/vehicles', { plateNumber: `O-${unique()}`, odometer }),
      400,
      'validation',
    );
    expect(error.errors?.map((e) => e.path)).toContain('/body/odometer');
  });

  it('PATCH /vehicles/:id takes a reading at or above the current one', async () => {
    const vehicle = await createVehicle(t, { odometer: 1_000 });
    const same = ok<{ vehicle: Vehicle }>(await t.request('PATCH', `/api/admin/vehicles/${vehicle.id}`, { odometer: 1_000 }));
    expect(same.vehicle.odometer).toBe(1_000);
    const higher = ok<{ vehicle: Vehicle }>(await t.request('PATCH', `/api/admin/vehicles/${vehicle.id}`, { odometer: 1_500 }));
    expect(higher.vehicle.odometer).toBe(1_500);
    expect((await getVehicle(vehicle.id)).odometer).toBe(1_500);
    // A vehicle without a reading takes any.
    const unread = await createVehicle(t);
    expect(ok<{ vehicle: Vehicle }>(await t.request('PATCH', `/api/admin/vehicles/${unread.id}`, { odometer: 0 })).vehicle.odometer).toBe(
      0,
    );
  });

  it('PATCH /vehicles/:id with a reading below the current one is 400 odometer-backwards, and the vehicle is unchanged', async () => {
    const vehicle = await createVehicle(t, { odometer: 5_000 });
    const response = await actor.send('PATCH', `/api/admin/vehicles/${vehicle.id}`, { odometer: 4_999, make: 'Changed' });
    expect(expectProblem(response, 400, 'odometer-backwards').detail).toContain('odometer cannot go backwards');
    expect(await getVehicle(vehicle.id)).toEqual(vehicle);
    expect(await auditCount(response)).toBe(0);
  });

  it('PATCH /vehicles/:id with odometer null is 400', async () => {
    const vehicle = await createVehicle(t, { odometer: 10 });
    const error = expectProblem(await t.request('PATCH', `/api/admin/vehicles/${vehicle.id}`, { odometer: null }), 400, 'validation');
    expect(error.errors?.map((e) => e.path)).toContain('/body/odometer');
    expect((await getVehicle(vehicle.id)).odometer).toBe(10);
  });
});

describe('odometer: readings of assignments', () => {
  it('a start reading at or above the vehicle odometer is kept and becomes the vehicle odometer', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t, { odometer: 100 }), createTechnician(t)]);
    const { assignment } = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, startOdometer: 150 }),
      201,
    );
    expect(assignment).toMatchObject({ startOdometer: 150, endOdometer: null, distance: null });
    expect(assignment.vehicle.odometer).toBe(150);
    expect(await getVehicle(vehicle.id)).toMatchObject({ odometer: 150, activeAssignmentId: assignment.id });
    expect(Object.keys(assignment.vehicle).sort()).toEqual(Object.keys(vehicle).sort());
  });

  it('a start reading equal to the odometer, or on a vehicle without one, is accepted', async () => {
    const [equal, unread] = await Promise.all([createVehicle(t, { odometer: 70 }), createVehicle(t)]);
    const [c1, c2] = await Promise.all([createTechnician(t), createTechnician(t)]);
    const a1 = ok<{ assignment: Assignment }>(await createAssignment({ vehicleId: equal.id, technicianId: c1.id, startOdometer: 70 }), 201);
    expect(a1.assignment).toMatchObject({ startOdometer: 70, vehicle: { odometer: 70 } });
    const a2 = ok<{ assignment: Assignment }>(await createAssignment({ vehicleId: unread.id, technicianId: c2.id, startOdometer: 0 }), 201);
    expect(a2.assignment).toMatchObject({ startOdometer: 0, vehicle: { odometer: 0 } });
  });

  it('a start reading below the vehicle odometer is 400 odometer-backwards: nothing assigned, vehicle unchanged, nothing audited', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t, { odometer: 900 }), createTechnician(t)]);
    const response = await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, startOdometer: 899 });
    expect(expectProblem(response, 400, 'odometer-backwards').detail).toContain('odometer cannot go backwards');
    expect(await getVehicle(vehicle.id)).toEqual(vehicle);
    expect((await getTechnician(technician.id)).activeAssignmentId).toBeNull();
    expect(await activeOf('vehicle_id', vehicle.id)).toEqual([]);
    expect(await auditCount(response)).toBe(0);
  });

  it('an end reading is kept, gives the distance and becomes the vehicle odometer (in the answer and GET /vehicles/:id)', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t, { odometer: 1_000 }), createTechnician(t)]);
    const started = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, startOdometer: 1_200 }),
      201,
    ).assignment;
    const response = await actor.send('PATCH', `${ASSIGNMENTS}/${started.id}/return`, { endOdometer: 1_537 });
    const { assignment } = ok<{ assignment: Assignment }>(response);
    expect(assignment).toMatchObject({ status: 'returned', startOdometer: 1_200, endOdometer: 1_537, distance: 337 });
    expect(assignment.vehicle).toMatchObject({ odometer: 1_537, activeAssignmentId: null });
    expect(await getVehicle(vehicle.id)).toMatchObject({ odometer: 1_537, activeAssignmentId: null });
    expect(await getAssignment(started.id)).toMatchObject({ endOdometer: 1_537, distance: 337 });
    expect(await auditCount(response)).toBe(1);
  });

  it('distance is null unless both readings are known', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const started = await assign(t, vehicle.id, technician.id);
    expect(started).toMatchObject({ startOdometer: null, endOdometer: null, distance: null });
    const { assignment } = ok<{ assignment: Assignment }>(
      await t.request('PATCH', `${ASSIGNMENTS}/${started.id}/return`, { endOdometer: 42 }),
    );
    expect(assignment).toMatchObject({ startOdometer: null, endOdometer: 42, distance: null });
    expect((await getVehicle(vehicle.id)).odometer).toBe(42);

    const again = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, startOdometer: 50 }),
      201,
    ).assignment;
    const returned = await returnAssignment(t, again.id);
    expect(returned).toMatchObject({ startOdometer: 50, endOdometer: null, distance: null });
    expect((await getVehicle(vehicle.id)).odometer).toBe(50);
  });

  it('an end reading below the vehicle odometer is 400 odometer-backwards: still active, vehicle unchanged, nothing audited', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t, { odometer: 10 }), createTechnician(t)]);
    const started = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, startOdometer: 20, notes: 'before' }),
      201,
    ).assignment;
    // Read meanwhile: the vehicle's odometer is ahead of the start reading.
    ok(await t.request('PATCH', `/api/admin/vehicles/${vehicle.id}`, { odometer: 300 }));
    const vehicleBefore = await getVehicle(vehicle.id);
    const response = await actor.send('PATCH', `${ASSIGNMENTS}/${started.id}/return`, { endOdometer: 299, notes: 'after' });
    expect(expectProblem(response, 400, 'odometer-backwards').detail).toContain('odometer cannot go backwards');
    expect(await getAssignment(started.id)).toMatchObject({
      status: 'active',
      returnedAt: null,
      endOdometer: null,
      notes: 'before',
    });
    expect(await getVehicle(vehicle.id)).toEqual(vehicleBefore);
    expect(await activeOf('vehicle_id', vehicle.id)).toEqual([started.id]);
    expect(await auditCount(response)).toBe(0);

    // Below the start reading is refused too.
    expectProblem(await t.request('PATCH', `${ASSIGNMENTS}/${started.id}/return`, { endOdometer: 15 }), 400, 'odometer-backwards');
    // At the odometer it is taken.
    const { assignment } = ok<{ assignment: Assignment }>(
      await t.request('PATCH', `${ASSIGNMENTS}/${started.id}/return`, { endOdometer: 300 }),
    );
    expect(assignment).toMatchObject({ status: 'returned', endOdometer: 300, distance: 280 });
  });

  it.each([
    ['a negative start reading', { startOdometer: -1 }, '/body/startOdometer'],
    ['a fractional start reading', { startOdometer: 2.5 }, '/body/startOdometer'],
    ['a start reading as text', { startOdometer: '7' }, '/body/startOdometer'],
  ])('%s is 400 naming the field', async (_case, fields, path) => {
    const error = expectProblem(await createAssignment({ vehicleId: 1, technicianId: 1, ...fields }), 400, 'validation');
    expect(error.errors?.map((e) => e.path)).toContain(path);
  });

  it('an end reading that is not a non-negative integer is 400, and the assignment stays active', async () => {
    const assignment = await activeAssignment(t);
    for (const endOdometer of [-5, 1.25, '9', null]) {
      const error = expectProblem(await t.request('PATCH', `${ASSIGNMENTS}/${assignment.id}/return`, { endOdometer }), 400, 'validation');
      expect(error.errors?.map((e) => e.path)).toContain('/body/endOdometer');
    }
    expect((await getAssignment(assignment.id)).status).toBe('active');
  });
});

// ---------------------------------------------------------------------------------------------
// Transfer
// ---------------------------------------------------------------------------------------------

describe('POST /api/admin/assignments/:id/transfer', () => {
  const transfer = (id: number, body: unknown) => actor.send('POST', `${ASSIGNMENTS}/${id}/transfer`, body);

  it('to another technician: 201 { assignment, previous }; the old one returned at the instant the new one starts', async () => {
    const [vehicle, holder, taker] = await Promise.all([createVehicle(t), createTechnician(t), createTechnician(t)]);
    const due = fromNow(5 * DAY);
    const old = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: holder.id, expectedReturnAt: due }),
      201,
    ).assignment;
    const response = await transfer(old.id, { technicianId: taker.id });
    const body = ok<Transferred>(response, 201);
    expect(Object.keys(body).sort()).toEqual(['assignment', 'previous']);
    const { assignment, previous } = body;

    expect(previous).toMatchObject({
      id: old.id,
      vehicleId: vehicle.id,
      technicianId: holder.id,
      status: 'returned',
      returnedBy: actor.sub,
      assignedAt: old.assignedAt,
      expectedReturnAt: due,
      overdue: false,
    });
    expect(assignment).toMatchObject({
      vehicleId: vehicle.id,
      technicianId: taker.id,
      status: 'active',
      returnedAt: null,
      returnedBy: null,
      assignedBy: actor.sub,
      expectedReturnAt: due,
      overdue: false,
    });
    expect(assignment.id).not.toBe(old.id);
    expect(previous.returnedAt).toMatch(ISO_MS);
    expect(previous.returnedAt).toBe(assignment.assignedAt);
    expect(assignment.vehicle.activeAssignmentId).toBe(assignment.id);
    expect(assignment.technician.activeAssignmentId).toBe(assignment.id);

    expect(await getAssignment(old.id)).toEqual(previous);
    expect(await getAssignment(assignment.id)).toEqual(assignment);
    expect((await getVehicle(vehicle.id)).activeAssignmentId).toBe(assignment.id);
    expect((await getTechnician(holder.id)).activeAssignmentId).toBeNull();
    expect((await getTechnician(taker.id)).activeAssignmentId).toBe(assignment.id);

    // Two entries with action transfer, one for each assignment, under the request's id.
    const mine = writtenBy(await auditEntries(t, { actor: actor.sub, action: 'transfer' }), response);
    expect(mine).toHaveLength(2);
    expect(await auditCount(response)).toBe(2);
    const byEntity = new Map(mine.map((entry) => [entry.entityId, entry]));
    expect(byEntity.get(String(old.id))).toMatchObject({ action: 'transfer', entityType: 'assignment', after: previous });
    expect((byEntity.get(String(old.id))!.before as Assignment).status).toBe('active');
    expect(byEntity.get(String(assignment.id))).toMatchObject({
      action: 'transfer',
      entityType: 'assignment',
      before: null,
      after: assignment,
    });
  });

  it('to another vehicle: the technician keeps going with the new vehicle; the due date carries over', async () => {
    const [vehicle, other, technician] = await Promise.all([createVehicle(t), createVehicle(t), createTechnician(t)]);
    const old = await assign(t, vehicle.id, technician.id);
    await setColumn('expected_return_at', [old.id], '2023-04-04T04:04:04.404Z');
    const response = await transfer(old.id, { vehicleId: other.id });
    const { assignment, previous } = ok<Transferred>(response, 201);
    expect(previous).toMatchObject({ id: old.id, status: 'returned', vehicleId: vehicle.id, overdue: false });
    // The due date (passed) is kept: the new assignment is overdue from the start.
    expect(assignment).toMatchObject({
      vehicleId: other.id,
      technicianId: technician.id,
      status: 'active',
      expectedReturnAt: '2023-04-04T04:04:04.404Z',
      overdue: true,
    });
    expect(previous.returnedAt).toBe(assignment.assignedAt);
    expect((await getVehicle(vehicle.id)).activeAssignmentId).toBeNull();
    expect((await getVehicle(other.id)).activeAssignmentId).toBe(assignment.id);
    expect((await getTechnician(technician.id)).activeAssignmentId).toBe(assignment.id);
    expect(await auditCount(response)).toBe(2);
  });

  it('an assignment without a due date gives one without a due date', async () => {
    const old = await activeAssignment(t);
    const taker = await createTechnician(t);
    const { assignment } = ok<Transferred>(await transfer(old.id, { technicianId: taker.id }), 201);
    expect(assignment).toMatchObject({ expectedReturnAt: null, overdue: false });
  });

  it('the assignment it replaced cannot be transferred again: 409 assignment-returned', async () => {
    const old = await activeAssignment(t);
    const [first, second] = await Promise.all([createTechnician(t), createTechnician(t)]);
    const { assignment } = ok<Transferred>(await transfer(old.id, { technicianId: first.id }), 201);
    const response = await transfer(old.id, { technicianId: second.id });
    expect(expectProblem(response, 409, 'assignment-returned').detail).toContain(`assignment ${old.id}`);
    expect(await activeOf('vehicle_id', old.vehicleId)).toEqual([assignment.id]);
    expect((await getTechnician(second.id)).activeAssignmentId).toBeNull();
    expect(await auditCount(response)).toBe(0);
  });

  it('a returned assignment is 409 assignment-returned', async () => {
    const returned = await returnAssignment(t, (await activeAssignment(t)).id);
    const taker = await createTechnician(t);
    const response = await transfer(returned.id, { technicianId: taker.id });
    expectProblem(response, 409, 'assignment-returned');
    expect(await getAssignment(returned.id)).toEqual(returned);
    expect((await getTechnician(taker.id)).activeAssignmentId).toBeNull();
    expect(await auditCount(response)).toBe(0);
  });

  it('an unknown assignment is 404 assignment-not-found', async () => {
    const taker = await createTechnician(t);
    const error = expectProblem(await transfer(MISSING_ID, { technicianId: taker.id }), 404, 'assignment-not-found');
    expect(error.detail).toBe(`assignment ${MISSING_ID} does not exist`);
  });

  /** The old assignment is untouched: still active, its parties still with it; nothing audited. */
  async function expectUnchanged(old: Assignment, response: LightMyRequestResponse) {
    expect(await getAssignment(old.id)).toMatchObject({ status: 'active', returnedAt: null, returnedBy: null });
    expect(await activeOf('vehicle_id', old.vehicleId)).toEqual([old.id]);
    expect(await activeOf('technician_id', old.technicianId)).toEqual([old.id]);
    expect(await auditCount(response)).toBe(0);
  }

  it('an unknown technician is 404 technician-not-found, and nothing changed', async () => {
    const old = await activeAssignment(t);
    const response = await transfer(old.id, { technicianId: MISSING_ID });
    expect(expectProblem(response, 404, 'technician-not-found').detail).toBe(`technician ${MISSING_ID} does not exist`);
    await expectUnchanged(old, response);
  });

  it('a retired technician is 404 technician-not-found, and nothing changed', async () => {
    const retired = await createTechnician(t);
    await returnAssignment(t, (await assign(t, (await createVehicle(t)).id, retired.id)).id);
    expect((await t.request('DELETE', `/api/admin/technicians/${retired.id}`)).statusCode).toBe(204);
    const old = await activeAssignment(t);
    const response = await transfer(old.id, { technicianId: retired.id });
    expectProblem(response, 404, 'technician-not-found');
    await expectUnchanged(old, response);
  });

  it('an unknown vehicle is 404 vehicle-not-found, and nothing changed', async () => {
    const old = await activeAssignment(t);
    const response = await transfer(old.id, { vehicleId: MISSING_ID });
    expect(expectProblem(response, 404, 'vehicle-not-found').detail).toBe(`vehicle ${MISSING_ID} does not exist`);
    await expectUnchanged(old, response);
  });

  it('a retired vehicle is 404 vehicle-not-found, and nothing changed', async () => {
    const retired = await createVehicle(t);
    await returnAssignment(t, (await assign(t, retired.id, (await createTechnician(t)).id)).id);
    expect((await t.request('DELETE', `/api/admin/vehicles/${retired.id}`)).statusCode).toBe(204);
    const old = await activeAssignment(t);
    const response = await transfer(old.id, { vehicleId: retired.id });
    expectProblem(response, 404, 'vehicle-not-found');
    await expectUnchanged(old, response);
  });

  it('a technician holding an active assignment is 409 technician-busy, and the old assignment is still active', async () => {
    const [old, busy] = await Promise.all([activeAssignment(t), activeAssignment(t)]);
    const response = await transfer(old.id, { technicianId: busy.technicianId });
    expect(expectProblem(response, 409, 'technician-busy').detail).toContain(`technician ${busy.technicianId}`);
    await expectUnchanged(old, response);
    expect(await activeOf('technician_id', busy.technicianId)).toEqual([busy.id]);
  });

  it('to the party that already holds it: 409 busy, and nothing changes', async () => {
    const old = await activeAssignment(t);
    const sameTechnician = await transfer(old.id, { technicianId: old.technicianId });
    expect(expectProblem(sameTechnician, 409, 'technician-busy').detail).toContain(`technician ${old.technicianId}`);
    await expectUnchanged(old, sameTechnician);
    const sameVehicle = await transfer(old.id, { vehicleId: old.vehicleId });
    expect(expectProblem(sameVehicle, 409, 'vehicle-busy').detail).toContain(`vehicle ${old.vehicleId}`);
    await expectUnchanged(old, sameVehicle);
  });

  it('a vehicle held by an active assignment is 409 vehicle-busy, and the old assignment is still active', async () => {
    const [old, busy] = await Promise.all([activeAssignment(t), activeAssignment(t)]);
    const response = await transfer(old.id, { vehicleId: busy.vehicleId });
    expect(expectProblem(response, 409, 'vehicle-busy').detail).toContain(`vehicle ${busy.vehicleId}`);
    await expectUnchanged(old, response);
    expect(await activeOf('vehicle_id', busy.vehicleId)).toEqual([busy.id]);
  });

  it.each([
    ['both technicianId and vehicleId', (v: number, c: number) => ({ technicianId: c, vehicleId: v })],
    ['neither', () => ({})],
    ['an extra property', (_v: number, c: number) => ({ technicianId: c, notes: 'x' })],
    ['a technicianId as text', (_v: number, c: number) => ({ technicianId: String(c) })],
    ['a zero vehicleId', () => ({ vehicleId: 0 })],
    ['an array', (_v: number, c: number) => [{ technicianId: c }]],
  ])('%s is 400 validation, and nothing changed', async (_case, body) => {
    const old = await activeAssignment(t);
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const response = await transfer(old.id, body(vehicle.id, technician.id));
    expectProblem(response, 400, 'validation');
    await expectUnchanged(old, response);
    expect((await getVehicle(vehicle.id)).activeAssignmentId).toBeNull();
    expect((await getTechnician(technician.id)).activeAssignmentId).toBeNull();
  });

  it('no body is 400', async () => {
    const old = await activeAssignment(t);
    const response = await t.app.inject({
      method: 'POST',
      url: `${ASSIGNMENTS}/${old.id}/transfer`,
      headers: { authorization: `Bearer ${actor.token}` },
    });
    expectProblem(response, 400, 'validation');
    expect((await getAssignment(old.id)).status).toBe('active');
  });
});

// ---------------------------------------------------------------------------------------------
// Bulk return
// ---------------------------------------------------------------------------------------------

describe('POST /api/admin/assignments/return', () => {
  const bulk = (body: unknown) => actor.send('POST', `${ASSIGNMENTS}/return`, body);

  it('returns every one: 200 { assignments } in the order of ids, each returned and audited once', async () => {
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await activeAssignment(t));
    const order = [made[2]!.id, made[0]!.id, made[3]!.id, made[1]!.id];
    const response = await bulk({ ids: order, notes: 'end of shift' });
    const body = ok<{ assignments: Assignment[] }>(response);
    expect(Object.keys(body)).toEqual(['assignments']);
    expect(ids(body.assignments)).toEqual(order);
    const returnedAt = body.assignments[0]!.returnedAt;
    expect(returnedAt).toMatch(ISO_MS);
    for (const assignment of body.assignments) {
      expect(assignment).toMatchObject({ status: 'returned', returnedBy: actor.sub, notes: 'end of shift', returnedAt, overdue: false });
      expect(assignment.vehicle.activeAssignmentId).toBeNull();
      expect(assignment.technician.activeAssignmentId).toBeNull();
      expect(await getAssignment(assignment.id)).toEqual(assignment);
      expect((await getVehicle(assignment.vehicleId)).activeAssignmentId).toBeNull();
      expect((await getTechnician(assignment.technicianId)).activeAssignmentId).toBeNull();
    }

    const mine = writtenBy(await auditEntries(t, { actor: actor.sub, action: 'return' }), response);
    expect(mine.map((entry) => Number(entry.entityId)).sort((a, b) => a - b)).toEqual([...order].sort((a, b) => a - b));
    for (const entry of mine) {
      const id = Number(entry.entityId);
      expect(entry).toMatchObject({ entityType: 'assignment', after: body.assignments.find((a) => a.id === id) });
      expect((entry.before as Assignment).status).toBe('active');
    }
    expect(await auditCount(response)).toBe(order.length);
  });

  it('keeps each one\'s notes without "notes"; a single id works', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const created = ok<{ assignment: Assignment }>(
      await createAssignment({ vehicleId: vehicle.id, technicianId: technician.id, notes: 'mine' }),
      201,
    ).assignment;
    const { assignments } = ok<{ assignments: Assignment[] }>(await bulk({ ids: [created.id] }));
    expect(assignments).toHaveLength(1);
    expect(assignments[0]).toMatchObject({ id: created.id, status: 'returned', notes: 'mine' });
  });

  it('unknown ids: 404 assignments-not-found naming every one of them, and none of the others is returned', async () => {
    const [a, b] = [await activeAssignment(t), await activeAssignment(t)];
    const unknown = [MISSING_ID, MISSING_ID - 1];
    const response = await bulk({ ids: [a.id, MISSING_ID, b.id, MISSING_ID - 1] });
    const error = expectProblem(response, 404, 'assignments-not-found');
    expect(error.detail.match(/\d+/g)).toEqual(unknown.map(String));
    expect(await getAssignment(a.id)).toEqual(a);
    expect(await getAssignment(b.id)).toEqual(b);
    expect(await auditCount(response)).toBe(0);
  });

  it('already returned ids: 409 assignments-returned naming every one of them, and none of the others is returned', async () => {
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await activeAssignment(t));
    const [a, r1, b, r2] = made as [Assignment, Assignment, Assignment, Assignment];
    await returnAssignment(t, r1.id);
    await returnAssignment(t, r2.id);
    const response = await bulk({ ids: [a.id, r1.id, b.id, r2.id], notes: 'should not stick' });
    const error = expectProblem(response, 409, 'assignments-returned');
    expect(error.detail).toContain(String(r1.id));
    expect(error.detail).toContain(String(r2.id));
    expect(error.detail).not.toMatch(new RegExp(`\\b(${a.id}|${b.id})\\b`));
    expect(await getAssignment(a.id)).toEqual(a);
    expect(await getAssignment(b.id)).toEqual(b);
    expect((await getAssignment(r1.id)).notes).toBeNull();
    expect(await auditCount(response)).toBe(0);
  });

  it('500 ids pass validation (all unknown here: a 404 naming every one)', async () => {
    const unknown = Array.from({ length: 500 }, (_, i) => MISSING_ID - i);
    const error = expectProblem(await bulk({ ids: unknown }), 404, 'assignments-not-found');
    for (const id of unknown) expect(error.detail).toContain(String(id));
  });

  it.each([
    ['an empty array', { ids: [] }],
    ['duplicate ids', { ids: [1, 2, 1] }],
    ['more than 500 ids', { ids: Array.from({ length: 501 }, (_, i) => i + 1) }],
    ['no ids', { notes: 'x' }],
    ['an id as text', { ids: ['1'] }],
    ['a zero id', { ids: [0] }],
    ['an unknown property', { ids: [1], status: 'returned' }],
    ['notes that are not text', { ids: [1], notes: 3 }],
  ])('%s is 400 validation', async (_case, body) => {
    expectProblem(await bulk(body), 400, 'validation');
  });

  it('duplicates of an active assignment are 400, and it stays active', async () => {
    const a = await activeAssignment(t);
    const response = await bulk({ ids: [a.id, a.id] });
    expectProblem(response, 400, 'validation');
    expect(await getAssignment(a.id)).toEqual(a);
  });
});

// ---------------------------------------------------------------------------------------------
// Time filters
// ---------------------------------------------------------------------------------------------

describe('GET /api/admin/assignments: assignedFrom, assignedTo, returnedFrom, returnedTo', () => {
  /** One technician with four assignments at known instants (one still active). */
  async function history() {
    const technician = await createTechnician(t);
    const made: Assignment[] = [];
    for (let i = 0; i < 4; i++) {
      const assignment = await assign(t, (await createVehicle(t)).id, technician.id);
      made.push(i < 3 ? await returnAssignment(t, assignment.id) : assignment);
    }
    const [a, b, c, d] = made as [Assignment, Assignment, Assignment, Assignment];
    await setColumn('assigned_at', [a.id], '2010-01-01T00:00:00.000Z');
    await setColumn('returned_at', [a.id], '2010-01-05T00:00:00.000Z');
    await setColumn('assigned_at', [b.id], '2010-01-10T00:00:00.000Z');
    await setColumn('returned_at', [b.id], '2010-01-15T00:00:00.000Z');
    await setColumn('assigned_at', [c.id], '2010-01-20T00:00:00.000Z');
    await setColumn('returned_at', [c.id], '2010-01-25T00:00:00.000Z');
    await setColumn('assigned_at', [d.id], '2010-01-30T00:00:00.000Z');
    return { technician, a, b, c, d };
  }
  const windowIds = async (query: string) => ids((await listPage(query)).assignments);

  it('assignedFrom is inclusive, assignedTo exclusive; newest first', async () => {
    const { technician, a, b, c, d } = await history();
    const q = `technicianId=${technician.id}`;
    expect(await windowIds(`${q}&assignedFrom=2010-01-10T00:00:00.000Z`)).toEqual([d.id, c.id, b.id]);
    expect(await windowIds(`${q}&assignedFrom=2010-01-10T00:00:00.001Z`)).toEqual([d.id, c.id]);
    expect(await windowIds(`${q}&assignedTo=2010-01-20T00:00:00.000Z`)).toEqual([b.id, a.id]);
    expect(await windowIds(`${q}&assignedTo=2010-01-20T00:00:00.001Z`)).toEqual([c.id, b.id, a.id]);
    expect(await windowIds(`${q}&assignedFrom=2010-01-10T00:00:00.000Z&assignedTo=2010-01-20T00:00:00.000Z`)).toEqual([b.id]);
    expect(await windowIds(`${q}&assignedFrom=2011-01-01T00:00:00.000Z`)).toEqual([]);
  });

  it('returnedFrom is inclusive, returnedTo exclusive; an active assignment is in no returned window', async () => {
    const { technician, a, b, c } = await history();
    const q = `technicianId=${technician.id}`;
    expect(await windowIds(`${q}&returnedFrom=2010-01-15T00:00:00.000Z`)).toEqual([c.id, b.id]);
    expect(await windowIds(`${q}&returnedTo=2010-01-15T00:00:00.000Z`)).toEqual([a.id]);
    expect(await windowIds(`${q}&returnedFrom=2010-01-05T00:00:00.000Z&returnedTo=2010-01-25T00:00:00.000Z`)).toEqual([b.id, a.id]);
    expect(await windowIds(`${q}&returnedFrom=2000-01-01T00:00:00.000Z`)).toEqual([c.id, b.id, a.id]);
  });

  it('takes offsets, and combines with the other filters and with pages', async () => {
    const { technician, b, c, d } = await history();
    const q = `technicianId=${technician.id}&assignedFrom=${encodeURIComponent('2010-01-10T01:00:00.000+01:00')}`;
    expect(await windowIds(q)).toEqual([d.id, c.id, b.id]);
    expect(await windowIds(`${q}&status=returned`)).toEqual([c.id, b.id]);
    const { pages } = await walk(q, 2);
    expect(pages).toEqual([[d.id, c.id], [b.id]]);
  });

  it.each([
    ['assignedFrom', 'assignedTo'],
    ['returnedFrom', 'returnedTo'],
  ])('%s at or after %s is 400 empty-window', async (from, to) => {
    const at = '2010-01-10T00:00:00.000Z';
    expectProblem(await t.request('GET', `${ASSIGNMENTS}?${from}=${at}&${to}=${at}`), 400, 'empty-window');
    const error = expectProblem(await t.request('GET', `${ASSIGNMENTS}?${from}=2010-01-11T00:00:00.000Z&${to}=${at}`), 400, 'empty-window');
    expect(error.detail).toContain(from);
  });

  it.each(['assignedFrom', 'assignedTo', 'returnedFrom', 'returnedTo'])('%s that is not a date-time is 400', async (name) => {
    const error = expectProblem(await t.request('GET', `${ASSIGNMENTS}?${name}=yesterday`), 400, 'validation');
    expect(error.errors?.map((e) => e.path)).toContain(`/query/${name}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Idempotency-Key on the new POSTs
// ---------------------------------------------------------------------------------------------

describe('Idempotency-Key on transfer and bulk return', () => {
  let token: string;
  beforeAll(async () => {
    token = await adminToken(`idempotent-${unique()}`);
  });
  const post = (url: string, body: unknown, key: string) =>
    t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'idempotency-key': key }, payload: body as object });

  it('a retried transfer gets the same 201 again, replayed, and transfers once', async () => {
    const old = await activeAssignment(t);
    const taker = await createTechnician(t);
    const key = `transfer-${unique()}`;
    const first = await post(`${ASSIGNMENTS}/${old.id}/transfer`, { technicianId: taker.id }, key);
    const body = ok<Transferred>(first, 201);
    const again = await post(`${ASSIGNMENTS}/${old.id}/transfer`, { technicianId: taker.id }, key);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.json()).toEqual(body);

    expect(await auditCount(first)).toBe(2);
    expect(await auditCount(again)).toBe(0);
    const rows = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from assignments where vehicle_id = ${old.vehicleId}`,
    );
    expect(rows[0]!.n).toBe(2);
    expect(await activeOf('vehicle_id', old.vehicleId)).toEqual([body.assignment.id]);
  });

  it('a retried transfer whose first answer was a 409 gets the 409 again', async () => {
    const [old, busy] = await Promise.all([activeAssignment(t), activeAssignment(t)]);
    const key = `transfer-busy-${unique()}`;
    const first = await post(`${ASSIGNMENTS}/${old.id}/transfer`, { technicianId: busy.technicianId }, key);
    expectProblem(first, 409, 'technician-busy');
    await returnAssignment(t, busy.id);
    const again = await post(`${ASSIGNMENTS}/${old.id}/transfer`, { technicianId: busy.technicianId }, key);
    expectProblem(again, 409, 'technician-busy');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await getAssignment(old.id)).status).toBe('active');
  });

  it('a retried bulk return gets the same 200 again, replayed, and returns once', async () => {
    const made = [await activeAssignment(t), await activeAssignment(t)];
    const key = `bulk-${unique()}`;
    const body = { ids: ids(made), notes: 'retried' };
    const first = await post(`${ASSIGNMENTS}/return`, body, key);
    const answer = ok<{ assignments: Assignment[] }>(first);
    const again = await post(`${ASSIGNMENTS}/return`, body, key);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(answer);
    expect(await auditCount(first)).toBe(2);
    expect(await auditCount(again)).toBe(0);
    const rows = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from audit_log where action = 'return' and entity_type = 'assignment'
          and entity_id in (${String(made[0]!.id)}, ${String(made[1]!.id)})`,
    );
    expect(rows[0]!.n).toBe(2);
  });

  it('the same key with another body is 422 idempotency-key-reused, and changes nothing', async () => {
    const [a, b] = [await activeAssignment(t), await activeAssignment(t)];
    const key = `bulk-reused-${unique()}`;
    ok(await post(`${ASSIGNMENTS}/return`, { ids: [a.id] }, key));
    const other = await post(`${ASSIGNMENTS}/return`, { ids: [b.id] }, key);
    expectProblem(other, 422, 'idempotency-key-reused');
    expect(await getAssignment(b.id)).toEqual(b);
  });
});
