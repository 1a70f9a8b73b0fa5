import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { ISO_MS, MISSING_ID, activeAssignment, assign, createTechnician, createVehicle, returnAssignment } from '../support/fleet.ts';
import type { Assignment } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await testApp();
  token = await adminToken();
});
afterAll(() => t.close());

interface Page {
  assignments: Assignment[];
  nextCursor: string | null;
}

const listPage = async (query = '') => {
  const response = await t.request('GET', `/api/admin/assignments${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Page>();
};
const list = async (query = '') => (await listPage(query)).assignments;
const ids = (assignments: Assignment[]) => assignments.map((a) => a.id);

/** Sends exactly these headers and this raw payload, as a curl command would. */
function send(method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: string) {
  return t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
}

/** Moves assignments in time, to make ties and a known order; their ids stay as they are. */
async function setAssignedAt(assignmentIds: number[], at: string) {
  await t.database.db.execute(
    sql`update assignments set assigned_at = ${at}::timestamptz where id in (${sql.join(
      assignmentIds.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
}

/** Assignments newest assignedAt first, ties by higher id first: the order the list promises. */
const newestFirst = (a: Assignment, b: Assignment) => Date.parse(b.assignedAt) - Date.parse(a.assignedAt) || b.id - a.id;

/** One technician who held five vehicles one after the other. */
async function technicianWithHistory() {
  const technician = await createTechnician(t);
  const history: Assignment[] = [];
  for (let i = 0; i < 5; i++) {
    const vehicle = await createVehicle(t);
    const assignment = await assign(t, vehicle.id, technician.id);
    history.push(i < 4 ? await returnAssignment(t, assignment.id) : assignment);
  }
  return { technician, history };
}

describe('POST /api/admin/assignments', () => {
  it('assigns a vehicle to a technician: 201, active, assignedBy is the token subject', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const sub = `dispatcher-${unique()}`;
    const before = Date.now();
    const response = await t.request(
      'POST',
      '/api/admin/assignments',
      { vehicleId: vehicle.id, technicianId: technician.id },
      await adminToken(sub),
    );
    expect(response.statusCode).toBe(201);
    expect(Object.keys(response.json<object>())).toEqual(['assignment']);
    const { assignment } = response.json<{ assignment: Assignment }>();
    expect(Object.keys(assignment).sort()).toEqual(
      [
        'assignedAt',
        'assignedBy',
        'distance',
        'endOdometer',
        'expectedReturnAt',
        'id',
        'notes',
        'overdue',
        'returnedAt',
        'returnedBy',
        'startOdometer',
        'status',
        'technician',
        'technicianId',
        'vehicle',
        'vehicleId',
      ].sort(),
    );
    expect(assignment).toMatchObject({
      vehicleId: vehicle.id,
      technicianId: technician.id,
      status: 'active',
      returnedAt: null,
      returnedBy: null,
      assignedBy: sub,
      notes: null,
    });
    expect(assignment.assignedAt).toMatch(ISO_MS);
    expect(Date.parse(assignment.assignedAt)).toBeGreaterThanOrEqual(before - 5_000);
    expect(assignment.vehicle).toEqual({ ...vehicle, activeAssignmentId: assignment.id });
    expect(assignment.technician).toEqual({ ...technician, activeAssignmentId: assignment.id });

    expect((await t.request('GET', `/api/admin/vehicles/${vehicle.id}`)).json()).toMatchObject({
      vehicle: { activeAssignmentId: assignment.id },
    });
    expect((await t.request('GET', `/api/admin/technicians/${technician.id}`)).json()).toMatchObject({
      technician: { activeAssignmentId: assignment.id },
    });
  });

  it('keeps the notes given', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const response = await t.request('POST', '/api/admin/assignments', {
      vehicleId: vehicle.id,
      technicianId: technician.id,
      notes: 'keys in the glovebox',
    });
    expect(response.statusCode).toBe(201);
    expect(response.json<{ assignment: Assignment }>().assignment.notes).toBe('keys in the glovebox');
  });

  it.each([
    ['a missing vehicleId', { technicianId: 1 }, '/body/vehicleId'],
    ['a missing technicianId', { vehicleId: 1 }, '/body/technicianId'],
    ['the string "42" as vehicleId', { vehicleId: '42', technicianId: 1 }, '/body/vehicleId'],
    ['the string "5" as technicianId', { vehicleId: 1, technicianId: '5' }, '/body/technicianId'],
    ['a zero vehicleId', { vehicleId: 0, technicianId: 1 }, '/body/vehicleId'],
    ['a negative technicianId', { vehicleId: 1, technicianId: -5 }, '/body/technicianId'],
    ['a fractional vehicleId', { vehicleId: 1.5, technicianId: 1 }, '/body/vehicleId'],
    ['an unknown field', { vehicleId: 1, technicianId: 1, status: 'returned' }, '/body/status'],
    ['notes that are not text', { vehicleId: 1, technicianId: 1, notes: 7 }, '/body/notes'],
    ['notes over 2000 characters', { vehicleId: 1, technicianId: 1, notes: 'n'.repeat(2001) }, '/body/notes'],
  ])('%s is 400 naming the field', async (_case, body, path) => {
    const error = expectProblem(await t.request('POST', '/api/admin/assignments', body), 400, 'validation');
    expect(error.errors?.map((e) => e.path)).toContain(path);
  });

  it('both ids missing is 400 naming both', async () => {
    const error = expectProblem(await t.request('POST', '/api/admin/assignments', {}), 400, 'validation');
    expect(error.errors?.map((e) => e.path).sort()).toEqual(['/body/technicianId', '/body/vehicleId']);
  });

  it('an unknown vehicle is 404', async () => {
    const technician = await createTechnician(t);
    const error = expectProblem(
      await t.request('POST', '/api/admin/assignments', { vehicleId: MISSING_ID, technicianId: technician.id }),
      404,
      'vehicle-not-found',
    );
    expect(error.detail).toBe(`vehicle ${MISSING_ID} does not exist`);
  });

  it('an unknown technician is 404', async () => {
    const vehicle = await createVehicle(t);
    const error = expectProblem(
      await t.request('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: MISSING_ID }),
      404,
      'technician-not-found',
    );
    expect(error.detail).toBe(`technician ${MISSING_ID} does not exist`);
  });

  it('a second active assignment for the same vehicle is 409 naming the vehicle', async () => {
    const first = await activeAssignment(t);
    const other = await createTechnician(t);
    const error = expectProblem(
      await t.request('POST', '/api/admin/assignments', { vehicleId: first.vehicleId, technicianId: other.id }),
      409,
      'vehicle-busy',
    );
    expect(error.detail).toContain(`vehicle ${first.vehicleId}`);
    expect(ids(await list(`?vehicleId=${first.vehicleId}`))).toEqual([first.id]);
    expect((await t.request('GET', `/api/admin/technicians/${other.id}`)).json()).toMatchObject({
      technician: { activeAssignmentId: null },
    });
  });

  it('a second active assignment for the same technician is 409 naming the technician', async () => {
    const first = await activeAssignment(t);
    const other = await createVehicle(t);
    const error = expectProblem(
      await t.request('POST', '/api/admin/assignments', { vehicleId: other.id, technicianId: first.technicianId }),
      409,
      'technician-busy',
    );
    expect(error.detail).toContain(`technician ${first.technicianId}`);
    expect(ids(await list(`?technicianId=${first.technicianId}`))).toEqual([first.id]);
  });

  it('assigning the same pair twice is 409', async () => {
    const first = await activeAssignment(t);
    expectProblem(
      await t.request('POST', '/api/admin/assignments', { vehicleId: first.vehicleId, technicianId: first.technicianId }),
      409,
      'vehicle-busy',
    );
  });
});

describe('PATCH /api/admin/assignments/:id/return', () => {
  it('returns an assignment with no body: 200, returned, returnedBy is the token subject', async () => {
    const assignment = await activeAssignment(t);
    const sub = `returner-${unique()}`;
    const response = await t.request('PATCH', `/api/admin/assignments/${assignment.id}/return`, undefined, await adminToken(sub));
    expect(response.statusCode).toBe(200);
    const returned = response.json<{ assignment: Assignment }>().assignment;
    expect(returned).toEqual({
      ...assignment,
      status: 'returned',
      returnedAt: expect.stringMatching(ISO_MS),
      returnedBy: sub,
      vehicle: { ...assignment.vehicle, activeAssignmentId: null },
      technician: { ...assignment.technician, activeAssignmentId: null },
    });
    expect(Date.parse(returned.returnedAt!)).toBeGreaterThanOrEqual(Date.parse(assignment.assignedAt));
    expect((await t.request('GET', `/api/admin/assignments/${assignment.id}`)).json()).toEqual({ assignment: returned });
  });

  it('an empty body with Content-Type: application/json is no body', async () => {
    const assignment = await activeAssignment(t);
    const response = await send(
      'PATCH',
      `/api/admin/assignments/${assignment.id}/return`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      '',
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<{ assignment: Assignment }>().assignment.status).toBe('returned');
  });

  it('an empty text/plain body, as fetch sends for body: "", is no body', async () => {
    const assignment = await activeAssignment(t);
    const response = await send(
      'PATCH',
      `/api/admin/assignments/${assignment.id}/return`,
      { authorization: `Bearer ${token}`, 'content-type': 'text/plain;charset=UTF-8' },
      '',
    );
    expect(response.statusCode, response.body).toBe(200);
  });

  it('a text/plain body that is not empty is 400 validation (the body must be an object)', async () => {
    const assignment = await activeAssignment(t);
    const response = await send(
      'PATCH',
      `/api/admin/assignments/${assignment.id}/return`,
      { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      'returned',
    );
    expectProblem(response, 400, 'validation');
  });

  it('an empty JSON object is accepted', async () => {
    const assignment = await activeAssignment(t);
    const response = await t.request('PATCH', `/api/admin/assignments/${assignment.id}/return`, {});
    expect(response.statusCode).toBe(200);
    expect(response.json<{ assignment: Assignment }>().assignment.notes).toBeNull();
  });

  it('{ notes } replaces the notes; without notes they are kept', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const created = await t.request('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: technician.id, notes: 'out' });
    const first = created.json<{ assignment: Assignment }>().assignment;
    const response = await t.request('PATCH', `/api/admin/assignments/${first.id}/return`, { notes: 'scratch on the left door' });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ assignment: Assignment }>().assignment).toMatchObject({ status: 'returned', notes: 'scratch on the left door' });

    const second = (
      await t.request('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: technician.id, notes: 'kept' })
    ).json<{ assignment: Assignment }>().assignment;
    expect((await returnAssignment(t, second.id)).notes).toBe('kept');
  });

  it.each([
    ['an unknown field', { note: 'typo' }],
    ['notes that are not text', { notes: 12 }],
    ['notes over 2000 characters', { notes: 'n'.repeat(2001) }],
  ])('%s is 400 and returns nothing', async (_case, body) => {
    const assignment = await activeAssignment(t);
    expectProblem(await t.request('PATCH', `/api/admin/assignments/${assignment.id}/return`, body), 400, 'validation');
    expect((await t.request('GET', `/api/admin/assignments/${assignment.id}`)).json()).toMatchObject({
      assignment: { status: 'active' },
    });
  });

  it('a body that is not JSON is 400 invalid-json', async () => {
    const assignment = await activeAssignment(t);
    const response = await send(
      'PATCH',
      `/api/admin/assignments/${assignment.id}/return`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      '{notes:',
    );
    expectProblem(response, 400, 'invalid-json');
  });

  it('an unknown assignment is 404', async () => {
    const error = expectProblem(await t.request('PATCH', `/api/admin/assignments/${MISSING_ID}/return`), 404, 'assignment-not-found');
    expect(error.detail).toBe(`assignment ${MISSING_ID} does not exist`);
  });

  it('a bad id is 400', async () => {
    expectProblem(await t.request('PATCH', '/api/admin/assignments/0/return'), 400, 'validation');
  });

  it('an assignment already returned is 409 and keeps its first return', async () => {
    const returned = await returnAssignment(t, (await activeAssignment(t)).id);
    const error = expectProblem(
      await t.request('PATCH', `/api/admin/assignments/${returned.id}/return`, { notes: 'again' }, await adminToken('someone-else')),
      409,
      'assignment-returned',
    );
    expect(error.detail).toBe(`assignment ${returned.id} is already returned`);
    expect((await t.request('GET', `/api/admin/assignments/${returned.id}`)).json()).toEqual({ assignment: returned });
  });

  it('after a return the vehicle and the technician can both be assigned again', async () => {
    const first = await activeAssignment(t);
    await returnAssignment(t, first.id);
    const [otherVehicle, otherTechnician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const a = await assign(t, first.vehicleId, otherTechnician.id);
    const b = await assign(t, otherVehicle.id, first.technicianId);
    expect(a.vehicle.activeAssignmentId).toBe(a.id);
    expect(b.technician.activeAssignmentId).toBe(b.id);
    await Promise.all([returnAssignment(t, a.id), returnAssignment(t, b.id)]);
    const again = await assign(t, first.vehicleId, first.technicianId);
    expect(again.id).not.toBe(first.id);
  });
});

describe('GET /api/admin/assignments/:id', () => {
  it('returns the assignment with its vehicle and technician', async () => {
    const assignment = await activeAssignment(t);
    const response = await t.request('GET', `/api/admin/assignments/${assignment.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ assignment });
  });

  it('an unknown id is 404', async () => {
    expectProblem(await t.request('GET', `/api/admin/assignments/${MISSING_ID}`), 404, 'assignment-not-found');
  });

  it.each(['seven', '0', '-2', '3.5'])('the id %s is 400', async (id) => {
    expectProblem(await t.request('GET', `/api/admin/assignments/${id}`), 400, 'validation');
  });
});

describe('GET /api/admin/assignments', () => {
  it('lists every assignment, newest assignedAt first, each with its vehicle and technician', async () => {
    const a = await activeAssignment(t);
    const b = await returnAssignment(t, (await activeAssignment(t)).id);
    const c = await activeAssignment(t);
    const page = await listPage();
    expect(page.nextCursor).toBeNull();
    const mine = page.assignments.filter((x) => [a.id, b.id, c.id].includes(x.id));
    expect(mine).toEqual([c, b, a].sort(newestFirst));
    expect(page.assignments).toEqual([...page.assignments].sort(newestFirst));
    for (const assignment of mine) {
      expect(assignment.vehicle.id).toBe(assignment.vehicleId);
      expect(assignment.technician.id).toBe(assignment.technicianId);
    }
  });

  it('ties on assignedAt are ordered by higher id first', async () => {
    const made = [await activeAssignment(t), await activeAssignment(t), await activeAssignment(t), await activeAssignment(t)];
    const [first, second, third, fourth] = made.map((x) => x.id) as [number, number, number, number];
    await setAssignedAt([first, third], '2001-02-03T04:05:06.789Z');
    await setAssignedAt([second, fourth], '2001-02-03T04:05:06.788Z');
    const mine = ids(await list()).filter((id) => [first, second, third, fourth].includes(id));
    expect(mine).toEqual([third, first, fourth, second]);
    const shown = (await list()).find((x) => x.id === first);
    expect(shown?.assignedAt).toBe('2001-02-03T04:05:06.789Z');
  });

  it('?status=active and ?status=returned filter by status', async () => {
    const active = await activeAssignment(t);
    const returned = await returnAssignment(t, (await activeAssignment(t)).id);
    const actives = await list('?status=active');
    const returneds = await list('?status=returned');
    expect(ids(actives)).toContain(active.id);
    expect(ids(actives)).not.toContain(returned.id);
    expect(actives.every((x) => x.status === 'active' && x.returnedAt === null)).toBe(true);
    expect(ids(returneds)).toContain(returned.id);
    expect(ids(returneds)).not.toContain(active.id);
    expect(returneds.every((x) => x.status === 'returned' && x.returnedAt !== null)).toBe(true);
  });

  it.each(['bogus', 'ACTIVE', ''])('?status=%s is 400', async (status) => {
    const error = expectProblem(await t.request('GET', `/api/admin/assignments?status=${status}`), 400, 'validation');
    expect(error.errors?.map((e) => e.path)).toContain('/query/status');
  });

  it('?vehicleId and ?technicianId filter by party, and combine with status', async () => {
    const { technician, history } = await technicianWithHistory();
    const byTechnician = await list(`?technicianId=${technician.id}`);
    expect(ids(byTechnician)).toEqual(ids([...history].sort(newestFirst)));

    const vehicleId = history[2]!.vehicleId;
    expect(ids(await list(`?vehicleId=${vehicleId}`))).toEqual([history[2]!.id]);
    expect(ids(await list(`?technicianId=${technician.id}&status=active`))).toEqual([history[4]!.id]);
    expect(ids(await list(`?technicianId=${technician.id}&status=returned`))).toEqual(ids(history.slice(0, 4).sort(newestFirst)));
    expect(await list(`?vehicleId=${vehicleId}&technicianId=${MISSING_ID}`)).toEqual([]);
  });

  it('limit and cursor walk every page, across ties, with nextCursor null on the last', async () => {
    const { technician, history } = await technicianWithHistory();
    const [a1, a2, a3, a4, a5] = history.map((x) => x.id) as [number, number, number, number, number];
    await setAssignedAt([a1, a2, a3], '2002-01-01T00:00:00.500Z');
    await setAssignedAt([a4, a5], '2002-01-01T00:00:00.400Z');
    const expected = [a3, a2, a1, a5, a4];

    const pages: number[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?technicianId=${technician.id}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: Page = await listPage(query);
      pages.push(ids(page.assignments));
      cursor = page.nextCursor;
      expect(pages.length).toBeLessThan(10);
    } while (cursor !== null);
    expect(pages).toEqual([[a3, a2], [a1, a5], [a4]]);
    expect(pages.flat()).toEqual(expected);

    const exact = await listPage(`?technicianId=${technician.id}&limit=5`);
    expect(ids(exact.assignments)).toEqual(expected);
    expect(exact.nextCursor).toBeNull();

    const all = await listPage(`?technicianId=${technician.id}`);
    expect(ids(all.assignments)).toEqual(expected);
    expect(all.nextCursor).toBeNull();
  });

  it('limit 1 to 1000 is accepted', async () => {
    const assignment = await activeAssignment(t);
    const one = await listPage(`?vehicleId=${assignment.vehicleId}&limit=1`);
    expect(ids(one.assignments)).toEqual([assignment.id]);
    expect(one.nextCursor).toBeNull();
    expect((await t.request('GET', '/api/admin/assignments?limit=1000')).statusCode).toBe(200);
  });

  it.each([
    ['limit=0', '/query/limit'],
    ['limit=1001', '/query/limit'],
    ['limit=1e1', '/query/limit'],
    ['limit=0x10', '/query/limit'],
    ['limit=-1', '/query/limit'],
    ['limit=ten', '/query/limit'],
    ['limit=2.5', '/query/limit'],
    ['vehicleId=0', '/query/vehicleId'],
    ['technicianId=abc', '/query/technicianId'],
    [`cursor=${'c'.repeat(201)}`, '/query/cursor'],
  ])('?%s is 400', async (query, path) => {
    const error = expectProblem(await t.request('GET', `/api/admin/assignments?${query}`), 400, 'validation');
    expect(error.errors?.map((e) => e.path)).toContain(path);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['JSON of the wrong shape', Buffer.from('{"a":1}').toString('base64url')],
    ['a bad date', Buffer.from('["yesterday", 3]').toString('base64url')],
    ['a bad id', Buffer.from('["2020-01-01T00:00:00.000Z", -3]').toString('base64url')],
    ['an id beyond the integer range', Buffer.from('["2020-01-01T00:00:00.000Z", 99999999999]').toString('base64url')],
    ['a date PostgreSQL cannot read', Buffer.from('["+275760-09-13T00:00:00.000Z", 1]').toString('base64url')],
    ['a date far in the past', Buffer.from('["-271821-04-20T00:00:00.000Z", 1]').toString('base64url')],
    ['a date without a time', Buffer.from('["2020-01-01", 1]').toString('base64url')],
    ['a number', Buffer.from('5').toString('base64url')],
  ])('a cursor that is %s is 400 invalid-cursor', async (_case, cursor) => {
    const error = expectProblem(await t.request('GET', `/api/admin/assignments?limit=2&cursor=${cursor}`), 400, 'invalid-cursor');
    expect(error.detail).toMatch(/cursor/);
  });
});

describe('the published curl examples, as printed', () => {
  it('GET /api/admin/assignments with only the Authorization header', async () => {
    const assignment = await activeAssignment(t);
    const response = await send('GET', '/api/admin/assignments', { authorization: `Bearer ${token}` });
    expect(response.statusCode).toBe(200);
    const body = response.json<Page>();
    expect(body.assignments.find((x) => x.id === assignment.id)).toEqual(assignment);
  });

  it('POST /api/admin/assignments with the pretty-printed JSON body', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const response = await send(
      'POST',
      '/api/admin/assignments',
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      `{\n    "vehicleId": ${vehicle.id},\n    "technicianId": ${technician.id}\n  }`,
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json<{ assignment: Assignment }>().assignment).toMatchObject({
      vehicleId: vehicle.id,
      technicianId: technician.id,
      status: 'active',
    });
  });

  it('PATCH /api/admin/assignments/:id/return with no body and no Content-Type', async () => {
    const assignment = await activeAssignment(t);
    const response = await send('PATCH', `/api/admin/assignments/${assignment.id}/return`, { authorization: `Bearer ${token}` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<{ assignment: Assignment }>().assignment.status).toBe('returned');
  });
});

describe('authorisation (401 and 403 of every assignment route)', () => {
  const routes = [
    ['GET', '/api/admin/assignments'],
    ['POST', '/api/admin/assignments'],
    ['GET', '/api/admin/assignments/1'],
    ['PATCH', '/api/admin/assignments/1/return'],
  ] as const;

  it.each(routes)('%s %s without a token is 401', async (method, url) => {
    const response = await t.app.inject({ method, url, ...(method === 'POST' ? { payload: { vehicleId: 1, technicianId: 1 } } : {}) });
    expectProblem(response, 401, 'unauthorized');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it.each(routes)('%s %s with a valid token without the admin role is 403', async (method, url) => {
    const response = await t.request(
      method,
      url,
      method === 'POST' ? { vehicleId: 1, technicianId: 1 } : undefined,
      await adminToken('viewer', ['viewer']),
    );
    expectProblem(response, 403, 'forbidden');
  });

  it('a refused create assigns nothing', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    expectProblem(
      await t.request(
        'POST',
        '/api/admin/assignments',
        { vehicleId: vehicle.id, technicianId: technician.id },
        await adminToken('v', ['viewer']),
      ),
      403,
      'forbidden',
    );
    expect(await list(`?vehicleId=${vehicle.id}`)).toEqual([]);
  });
});
