import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cursors } from '../../src/platform/cursors.ts';
import { adminToken, onPostgres, testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import {
  auditEntries,
  auditPage,
  expectEntryShape,
  expectNewestFirst,
  expectOneEntry,
  newActor,
  newRequestId,
  writtenBy,
} from '../support/audit.ts';
import type { Actor, AuditEntry, AuditQuery } from '../support/audit.ts';
import { checkedFetch } from '../support/contract.ts';
import { MISSING_ID, assign, createTechnician, createVehicle, email, plate, returnAssignment } from '../support/fleet.ts';
import type { Assignment, Technician, Vehicle } from '../support/fleet.ts';
import { expectProblem, readResponse } from '../support/problems.ts';
import type { ResponseLike } from '../support/problems.ts';
import { NO_SUCH_ID, createProject, ownedProject } from '../support/projects.ts';
import type { AssignmentBody, ProjectBody } from '../support/projects.ts';
import { createUser, newUser, organization } from '../support/users.ts';
import type { UserBody } from '../support/users.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const LOG = '/api/admin/audit-log';

function ok<T>(response: LightMyRequestResponse, status: number): T {
  expect(response.statusCode, response.body).toBe(status);
  return response.json<T>();
}

/** What the API answers for GET `url` right now: the "before" of the next change. */
async function current<T>(url: string): Promise<T> {
  return ok<T>(await t.request('GET', url), 200);
}

/** Every entry about one entity, newest first. */
const entriesAbout = (entityType: string, entityId: string | number) => auditEntries(t, { entityType, entityId: String(entityId) });

/** Each sign-in from its own client address, so that no test's failures throttle another's. */
let lastOctet = 0;
const clientAddress = () => `198.18.${Math.floor(++lastOctet / 250)}.${(lastOctet % 250) + 1}`;

function login(body: unknown, remoteAddress = clientAddress(), requestId = newRequestId()) {
  return t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: body as object,
    remoteAddress,
    headers: { 'x-request-id': requestId },
  });
}

const PASSWORD = 'correct horse battery staple';

// ---------------------------------------------------------------------------------------------

interface FleetParty {
  entityType: 'vehicle' | 'technician';
  path: string;
  fields: () => Record<string, unknown>;
  change: () => Record<string, unknown>;
  create: (t: TestApp) => Promise<Vehicle | Technician>;
  /** Gives the party a history: assigned once, then returned. */
  history: (t: TestApp, id: number) => Promise<void>;
}

const fleetParties: FleetParty[] = [
  {
    entityType: 'vehicle',
    path: '/api/admin/vehicles',
    fields: () => ({ plateNumber: plate(), make: 'Toyota' }),
    change: () => ({ model: `Hilux ${unique()}`, year: 2021 }),
    create: (t) => createVehicle(t),
    history: async (t, id) => {
      const technician = await createTechnician(t);
      await returnAssignment(t, (await assign(t, id, technician.id)).id);
    },
  },
  {
    entityType: 'technician',
    path: '/api/admin/technicians',
    fields: () => ({ name: `Tech ${unique()}`, email: email() }),
    change: () => ({ phone: '+91 80 1234 5678', name: `Renamed ${unique()}` }),
    create: (t) => createTechnician(t),
    history: async (t, id) => {
      const vehicle = await createVehicle(t);
      await returnAssignment(t, (await assign(t, vehicle.id, id)).id);
    },
  },
];

describe.each(fleetParties)('a $entityType change writes one entry', ({ entityType, path, fields, change, create, history }) => {
  it(`POST ${path}: create, before null, after the ${entityType} as answered`, async () => {
    const actor = await newActor(t);
    const response = await actor.send('POST', path, fields());
    const party = ok<Record<string, Vehicle | Technician>>(response, 201)[entityType]!;
    const entries = await entriesAbout(entityType, party.id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'create',
      entityType,
      entityId: String(party.id),
      before: null,
      after: party,
    });
    expect(entries).toHaveLength(1);
  });

  it(`PATCH ${path}/:id: update, before and after as the API showed them`, async () => {
    const actor = await newActor(t);
    const party = await create(t);
    const before = await current<Record<string, unknown>>(`${path}/${party.id}`);
    const response = await actor.send('PATCH', `${path}/${party.id}`, change());
    const after = ok<Record<string, unknown>>(response, 200)[entityType];
    expect(after).not.toEqual(before[entityType]);
    const entries = await entriesAbout(entityType, party.id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'update',
      entityType,
      entityId: String(party.id),
      before: before[entityType],
      after,
    });
    expect(entries.map((entry) => entry.action)).toEqual(['update', 'create']);
  });

  it(`DELETE ${path}/:id of one never assigned: delete, before the ${entityType}, after null`, async () => {
    const actor = await newActor(t);
    const party = await create(t);
    const before = await current<Record<string, unknown>>(`${path}/${party.id}`);
    const response = await actor.send('DELETE', `${path}/${party.id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout(entityType, party.id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'delete',
      entityType,
      entityId: String(party.id),
      before: before[entityType],
      after: null,
    });
    expect(entries.map((entry) => entry.action)).toEqual(['delete', 'create']);
  });

  it(`DELETE ${path}/:id of one with history: retire, before the ${entityType}, after null`, async () => {
    const actor = await newActor(t);
    const party = await create(t);
    await history(t, party.id);
    const before = await current<Record<string, unknown>>(`${path}/${party.id}`);
    const response = await actor.send('DELETE', `${path}/${party.id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout(entityType, party.id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'retire',
      entityType,
      entityId: String(party.id),
      before: before[entityType],
      after: null,
    });
    // Being assigned and returned is a change of the assignment, not of the party.
    expect(entries.map((entry) => entry.action)).toEqual(['retire', 'create']);
  });
});

describe('a fleet assignment writes one entry per change', () => {
  it('POST /api/admin/assignments: assign, before null, after the assignment with its vehicle and technician', async () => {
    const actor = await newActor(t);
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const response = await actor.send('POST', '/api/admin/assignments', {
      vehicleId: vehicle.id,
      technicianId: technician.id,
      notes: 'keys at desk',
    });
    const { assignment } = ok<{ assignment: Assignment }>(response, 201);
    expect(assignment.vehicle.id).toBe(vehicle.id);
    expect(assignment.technician.id).toBe(technician.id);
    const entries = await entriesAbout('assignment', assignment.id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'assign',
      entityType: 'assignment',
      entityId: String(assignment.id),
      before: null,
      after: assignment,
    });
    expect(entries).toHaveLength(1);
  });

  it('PATCH /api/admin/assignments/:id/return: return, before the active assignment, after the returned one', async () => {
    const actor = await newActor(t);
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const { id } = await assign(t, vehicle.id, technician.id);
    const { assignment: before } = await current<{ assignment: Assignment }>(`/api/admin/assignments/${id}`);
    expect(before.status).toBe('active');
    const response = await actor.send('PATCH', `/api/admin/assignments/${id}/return`, { notes: 'returned with a dent' });
    const { assignment: after } = ok<{ assignment: Assignment }>(response, 200);
    expect(after.status).toBe('returned');
    const entries = await entriesAbout('assignment', id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'return',
      entityType: 'assignment',
      entityId: String(id),
      before,
      after,
    });
    expect(entries.map((entry) => [entry.action, entry.actor])).toEqual([
      ['return', actor.sub],
      ['assign', 'test-admin'],
    ]);
  });
});

describe('a user change writes one entry', () => {
  it('POST /api/v1/users: create, before null, after the user', async () => {
    const actor = await newActor(t);
    const response = await actor.send('POST', '/api/v1/users', newUser({ role: ['Dev', 'Employee'] }));
    const user = ok<UserBody>(response, 201);
    expectOneEntry(await entriesAbout('user', user.user_id), response, {
      actor: actor.sub,
      action: 'create',
      entityType: 'user',
      entityId: user.user_id,
      before: null,
      after: user,
    });
  });

  it('PATCH /api/v1/users/:id: update, before and after', async () => {
    const actor = await newActor(t);
    const user = await createUser(t);
    const before = await current<UserBody>(`/api/v1/users/${user.user_id}`);
    const response = await actor.send('PATCH', `/api/v1/users/${user.user_id}`, { first_name: 'Renamed', status: 'inactive' });
    const after = ok<UserBody>(response, 200);
    const entries = await entriesAbout('user', user.user_id);
    expectOneEntry(entries, response, { actor: actor.sub, action: 'update', entityType: 'user', entityId: user.user_id, before, after });
    expect(entries.map((entry) => entry.action)).toEqual(['update', 'create']);
  });

  it('DELETE /api/v1/users/:id: delete, before the user, after null', async () => {
    const actor = await newActor(t);
    const user = await createUser(t);
    const before = await current<UserBody>(`/api/v1/users/${user.user_id}`);
    const response = await actor.send('DELETE', `/api/v1/users/${user.user_id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout('user', user.user_id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'delete',
      entityType: 'user',
      entityId: user.user_id,
      before,
      after: null,
    });
    expect(entries.map((entry) => entry.action)).toEqual(['delete', 'create']);
  });
});

describe('a project change writes one entry', () => {
  it('POST /api/v1/projects: create, before null, after the project', async () => {
    const actor = await newActor(t);
    const owner = await createUser(t, { role: ['Admin'] });
    const response = await actor.send('POST', '/api/v1/projects', {
      project_name: `P-${unique()}`,
      owner_user_id: owner.user_id,
      sdg: ['13'],
      total_area: 12.5,
    });
    const project = ok<ProjectBody>(response, 201);
    expectOneEntry(await entriesAbout('project', project.project_id), response, {
      actor: actor.sub,
      action: 'create',
      entityType: 'project',
      entityId: project.project_id,
      before: null,
      after: project,
    });
  });

  it('PATCH /api/v1/projects/:id: update, before and after', async () => {
    const actor = await newActor(t);
    const project = await createProject(t);
    const before = await current<ProjectBody>(`/api/v1/projects/${project.project_id}`);
    const response = await actor.send('PATCH', `/api/v1/projects/${project.project_id}`, {
      project_name: `Renamed ${unique()}`,
      country: 'IN',
    });
    const after = ok<ProjectBody>(response, 200);
    const entries = await entriesAbout('project', project.project_id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'update',
      entityType: 'project',
      entityId: project.project_id,
      before,
      after,
    });
    expect(entries.map((entry) => entry.action)).toEqual(['update', 'create']);
  });

  it('DELETE /api/v1/projects/:id: delete, before the project, after null', async () => {
    const actor = await newActor(t);
    const project = await createProject(t);
    const before = await current<ProjectBody>(`/api/v1/projects/${project.project_id}`);
    const response = await actor.send('DELETE', `/api/v1/projects/${project.project_id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout('project', project.project_id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'delete',
      entityType: 'project',
      entityId: project.project_id,
      before,
      after: null,
    });
    expect(entries.map((entry) => entry.action)).toEqual(['delete', 'create']);
  });
});

describe('a project assignment change writes one entry per assignment', () => {
  it('POST /api/v1/assignments/: create, before null, after the assignment object', async () => {
    const actor = await newActor(t);
    const project = await ownedProject(t, organization());
    const employee = await createUser(t, { role: ['Employee'] });
    const response = await actor.send('POST', '/api/v1/assignments/', { user_id: employee.user_id, project_id: project.project_id });
    const assignment = ok<AssignmentBody>(response, 201);
    expectOneEntry(await entriesAbout('project_assignment', assignment.assignment_id), response, {
      actor: actor.sub,
      action: 'create',
      entityType: 'project_assignment',
      entityId: assignment.assignment_id,
      before: null,
      after: assignment,
    });
  });

  it('POST /api/v1/assignments/bulk: one bulk_create per created assignment, none for the skipped projects', async () => {
    const actor = await newActor(t);
    const domain = organization();
    const projects = [await ownedProject(t, domain), await ownedProject(t, domain), await ownedProject(t, domain)];
    const dev = await createUser(t, { role: ['Dev'], domain });
    // Already on the first project: the bulk skips it.
    const first = await t.request('POST', '/api/v1/assignments/', { user_id: dev.user_id, project_id: projects[0]!.project_id });
    expect(first.statusCode, first.body).toBe(201);

    const response = await actor.send(
      'POST',
      `/api/v1/assignments/bulk?user_id=${dev.user_id}`,
      projects.map((p) => p.project_id),
    );
    const created = ok<AssignmentBody[]>(response, 200);
    expect(created.map((a) => a.project_id)).toEqual([projects[1]!.project_id, projects[2]!.project_id]);

    const entries = await actor.entries();
    expect(writtenBy(entries, response)).toHaveLength(created.length);
    for (const assignment of created) {
      const about = await entriesAbout('project_assignment', assignment.assignment_id);
      expectOneEntry(about, response, {
        actor: actor.sub,
        action: 'bulk_create',
        entityType: 'project_assignment',
        entityId: assignment.assignment_id,
        before: null,
        after: assignment,
      });
    }
    expect(entries.map((entry) => entry.action)).toEqual(['bulk_create', 'bulk_create']);
  });

  it('a bulk that skips every project writes nothing', async () => {
    const actor = await newActor(t);
    const domain = organization();
    const project = await ownedProject(t, domain);
    const dev = await createUser(t, { role: ['Dev'], domain });
    expect((await t.request('POST', `/api/v1/assignments/bulk?user_id=${dev.user_id}`, [project.project_id])).statusCode).toBe(200);
    const response = await actor.send('POST', `/api/v1/assignments/bulk?user_id=${dev.user_id}`, [project.project_id]);
    expect(ok<AssignmentBody[]>(response, 200)).toEqual([]);
    expect(await actor.entries()).toEqual([]);
  });

  it('DELETE /api/v1/assignments/:id: delete, before the assignment, after null', async () => {
    const actor = await newActor(t);
    const project = await ownedProject(t, organization());
    const employee = await createUser(t, { role: ['Employee'] });
    const created = ok<AssignmentBody>(
      await t.request('POST', '/api/v1/assignments/', { user_id: employee.user_id, project_id: project.project_id }),
      201,
    );
    const before = await current<AssignmentBody>(`/api/v1/assignments/${created.assignment_id}`);
    const response = await actor.send('DELETE', `/api/v1/assignments/${created.assignment_id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout('project_assignment', created.assignment_id);
    expectOneEntry(entries, response, {
      actor: actor.sub,
      action: 'delete',
      entityType: 'project_assignment',
      entityId: created.assignment_id,
      before,
      after: null,
    });
    expect(entries.map((entry) => entry.action)).toEqual(['delete', 'create']);
  });
});

describe('sign-in writes login or login_failed', () => {
  it('a successful sign-in: login by the user, about the user, before and after null', async () => {
    const user = await createUser(t, { role: ['Admin'], password: PASSWORD });
    const response = await login({ email: user.email, password: PASSWORD });
    expect(response.statusCode, response.body).toBe(200);
    const entries = await auditEntries(t, { actor: user.user_id });
    expectOneEntry(entries, response, {
      actor: user.user_id,
      action: 'login',
      entityType: 'user',
      entityId: user.user_id,
      before: null,
      after: null,
    });
    expect(entries).toHaveLength(1);
  });

  it('a non-Admin signs in too, and that is a login as well', async () => {
    const user = await createUser(t, { role: ['Employee'], password: PASSWORD });
    const response = await login({ email: user.email, password: PASSWORD });
    expect(response.statusCode, response.body).toBe(200);
    expectOneEntry(await auditEntries(t, { actor: user.user_id, action: 'login' }), response, {
      actor: user.user_id,
      action: 'login',
      entityType: 'user',
      entityId: user.user_id,
      before: null,
      after: null,
    });
  });

  it('a wrong password of a known email: login_failed by the email tried, about the user', async () => {
    const user = await createUser(t, { role: ['Admin'], password: PASSWORD });
    const response = await login({ email: user.email, password: 'not the password' });
    expectProblem(response, 401, 'invalid-credentials');
    const entries = await auditEntries(t, { actor: user.email });
    expectOneEntry(entries, response, {
      actor: user.email,
      action: 'login_failed',
      entityType: 'user',
      entityId: user.user_id,
      before: null,
      after: null,
    });
    expect(entries).toHaveLength(1);
    expect(await auditEntries(t, { actor: user.user_id })).toEqual([]);
  });

  it('an inactive user and a user without password are known emails: login_failed about the user', async () => {
    const inactive = await createUser(t, { role: ['Admin'], password: PASSWORD, status: 'inactive' });
    const passwordless = await createUser(t, { role: ['Admin'] });
    for (const user of [inactive, passwordless]) {
      const response = await login({ email: user.email, password: PASSWORD });
      expectProblem(response, 401, 'invalid-credentials');
      expectOneEntry(await auditEntries(t, { actor: user.email }), response, {
        actor: user.email,
        action: 'login_failed',
        entityType: 'user',
        entityId: user.user_id,
        before: null,
        after: null,
      });
    }
  });

  it('an unknown email: login_failed by the email tried, entityId null', async () => {
    const tried = `nobody-${unique()}@example.test`;
    const response = await login({ email: tried, password: PASSWORD });
    expectProblem(response, 401, 'invalid-credentials');
    const entries = await auditEntries(t, { actor: tried });
    expectOneEntry(entries, response, {
      actor: tried,
      action: 'login_failed',
      entityType: 'user',
      entityId: null,
      before: null,
      after: null,
    });
    expect(entries).toHaveLength(1);
  });

  it('a throttled sign-in (429) writes nothing, even with the right password', async () => {
    const user = await createUser(t, { role: ['Admin'], password: PASSWORD });
    const address = clientAddress();
    for (let i = 0; i < 5; i++)
      expectProblem(await login({ email: user.email, password: `wrong-${i}` }, address), 401, 'invalid-credentials');
    const throttled = await login({ email: user.email, password: PASSWORD }, address);
    expectProblem(throttled, 429, 'too-many-login-attempts');

    const failures = await auditEntries(t, { actor: user.email });
    expect(failures.map((entry) => entry.action)).toEqual(Array(5).fill('login_failed'));
    expect(writtenBy(failures, throttled)).toEqual([]);
    expect(await auditEntries(t, { actor: user.user_id })).toEqual([]);
    expect((await entriesAbout('user', user.user_id)).map((entry) => entry.action)).toEqual([...Array(5).fill('login_failed'), 'create']);
  });

  it.each([
    ['no password', (tried: string) => ({ email: tried })],
    ['a password longer than 256 characters', (tried: string) => ({ email: tried, password: 'x'.repeat(257) })],
    ['an unknown field', (tried: string) => ({ email: tried, password: PASSWORD, remember: true })],
  ])('a sign-in rejected with 400 (%s) writes nothing', async (_case, body) => {
    const user = await createUser(t, { role: ['Admin'], password: PASSWORD });
    expectProblem(await login(body(user.email)), 400, 'validation');
    expect(await auditEntries(t, { actor: user.email })).toEqual([]);
    expect(await auditEntries(t, { actor: user.user_id })).toEqual([]);
    expect((await entriesAbout('user', user.user_id)).map((entry) => entry.action)).toEqual(['create']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a rejected request writes nothing', () => {
  /** Sends the rejected request as a fresh actor: it must leave no entry at all. */
  async function expectNothingWritten(send: (actor: Actor) => Promise<LightMyRequestResponse>, status: number, slug: string) {
    const actor = await newActor(t);
    const response = await send(actor);
    expectProblem(response, status, slug);
    expect(await actor.entries()).toEqual([]);
  }

  it('400: a vehicle without a plate, a technician with a bad email, a user with a bad role', async () => {
    await expectNothingWritten((a) => a.send('POST', '/api/admin/vehicles', { make: 'Toyota' }), 400, 'validation');
    await expectNothingWritten((a) => a.send('POST', '/api/admin/technicians', { name: 'X', email: 'not-an-email' }), 400, 'validation');
    await expectNothingWritten((a) => a.send('POST', '/api/v1/users', newUser({ role: ['Boss'] })), 400, 'validation');
    await expectNothingWritten((a) => a.send('POST', '/api/v1/projects', {}), 400, 'validation');
  });

  it('404: an update, a delete or a return of something that does not exist', async () => {
    await expectNothingWritten((a) => a.send('PATCH', `/api/admin/vehicles/${MISSING_ID}`, { model: 'X' }), 404, 'vehicle-not-found');
    await expectNothingWritten((a) => a.send('DELETE', `/api/admin/technicians/${MISSING_ID}`), 404, 'technician-not-found');
    await expectNothingWritten((a) => a.send('PATCH', `/api/admin/assignments/${MISSING_ID}/return`), 404, 'assignment-not-found');
    await expectNothingWritten((a) => a.send('PATCH', `/api/v1/users/${NO_SUCH_ID}`, { first_name: 'X' }), 404, 'user-not-found');
    await expectNothingWritten((a) => a.send('DELETE', `/api/v1/projects/${NO_SUCH_ID}`), 404, 'project-not-found');
    await expectNothingWritten((a) => a.send('DELETE', `/api/v1/assignments/${NO_SUCH_ID}`), 404, 'project-assignment-not-found');
  });

  it('409: a plate number in use leaves only the first create', async () => {
    const actor = await newActor(t);
    const plateNumber = plate();
    const first = await actor.send('POST', '/api/admin/vehicles', { plateNumber });
    const { vehicle } = ok<{ vehicle: Vehicle }>(first, 201);
    const duplicate = await actor.send('POST', '/api/admin/vehicles', { plateNumber: plateNumber.toLowerCase() });
    expectProblem(duplicate, 409, 'plate-number-taken');
    const other = await createVehicle(t);
    const renamed = await actor.send('PATCH', `/api/admin/vehicles/${other.id}`, { plateNumber });
    expectProblem(renamed, 409, 'plate-number-taken');

    const entries = await actor.entries();
    expect(entries.map((entry) => [entry.action, entry.entityId])).toEqual([['create', String(vehicle.id)]]);
    expect(writtenBy(entries, first)).toHaveLength(1);
    expect((await entriesAbout('vehicle', other.id)).map((entry) => entry.action)).toEqual(['create']);
  });

  it('409: a second active assignment of a vehicle or a technician leaves only the first assign', async () => {
    const actor = await newActor(t);
    const [vehicle, technician, other, otherVehicle] = await Promise.all([
      createVehicle(t),
      createTechnician(t),
      createTechnician(t),
      createVehicle(t),
    ]);
    const first = await actor.send('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: technician.id });
    ok(first, 201);
    expectProblem(
      await actor.send('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: other.id }),
      409,
      'vehicle-busy',
    );
    expectProblem(
      await actor.send('POST', '/api/admin/assignments', { vehicleId: otherVehicle.id, technicianId: technician.id }),
      409,
      'technician-busy',
    );
    const entries = await actor.entries();
    expect(entries).toHaveLength(1);
    expect(writtenBy(entries, first).map((entry) => entry.action)).toEqual(['assign']);
  });

  it('409: returning a returned assignment leaves only the first return', async () => {
    const actor = await newActor(t);
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    const { id } = await assign(t, vehicle.id, technician.id);
    const first = await actor.send('PATCH', `/api/admin/assignments/${id}/return`);
    ok(first, 200);
    expectProblem(await actor.send('PATCH', `/api/admin/assignments/${id}/return`), 409, 'assignment-returned');
    const entries = await actor.entries();
    expect(entries.map((entry) => entry.action)).toEqual(['return']);
    expect(writtenBy(entries, first)).toHaveLength(1);
    expect((await entriesAbout('assignment', id)).map((entry) => entry.action)).toEqual(['return', 'assign']);
  });

  it('409: deleting a vehicle or technician still assigned, a duplicate user email, a user who is assigned', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    await assign(t, vehicle.id, technician.id);
    await expectNothingWritten((a) => a.send('DELETE', `/api/admin/vehicles/${vehicle.id}`), 409, 'vehicle-assigned');
    await expectNothingWritten((a) => a.send('DELETE', `/api/admin/technicians/${technician.id}`), 409, 'technician-assigned');
    expect((await entriesAbout('vehicle', vehicle.id)).map((entry) => entry.action)).toEqual(['create']);

    const user = await createUser(t);
    await expectNothingWritten(
      (a) => a.send('POST', '/api/v1/users', newUser({ email: user.email.toUpperCase() })),
      409,
      'user-email-taken',
    );
    const project = await createProject(t);
    ok(await t.request('POST', '/api/v1/assignments/', { user_id: user.user_id, project_id: project.project_id }), 201);
    await expectNothingWritten((a) => a.send('DELETE', `/api/v1/users/${user.user_id}`), 409, 'user-has-assignments');
    await expectNothingWritten((a) => a.send('DELETE', `/api/v1/projects/${project.project_id}`), 409, 'project-has-assignments');
    await expectNothingWritten(
      (a) => a.send('POST', '/api/v1/assignments/', { user_id: user.user_id, project_id: project.project_id }),
      409,
      'already-assigned',
    );
  });

  it('403: a Dev of another organization, alone or in a bulk', async () => {
    const owned = await ownedProject(t, organization());
    const dev = await createUser(t, { role: ['Dev'] });
    await expectNothingWritten(
      (a) => a.send('POST', '/api/v1/assignments/', { user_id: dev.user_id, project_id: owned.project_id }),
      403,
      'organization-mismatch',
    );

    // A bulk is all or nothing: the project of the Dev's own organization gets no entry either.
    const domain = organization();
    const mine = await ownedProject(t, domain);
    const ownDev = await createUser(t, { role: ['Dev'], domain });
    await expectNothingWritten(
      (a) => a.send('POST', `/api/v1/assignments/bulk?user_id=${ownDev.user_id}`, [mine.project_id, owned.project_id]),
      403,
      'organization-mismatch',
    );
    expect(await entriesAbout('user', ownDev.user_id).then((entries) => entries.map((entry) => entry.action))).toEqual(['create']);
  });

  it('a read writes nothing', async () => {
    const actor = await newActor(t);
    const vehicle = await createVehicle(t);
    ok(await actor.send('GET', '/api/admin/vehicles'), 200);
    ok(await actor.send('GET', `/api/admin/vehicles/${vehicle.id}`), 200);
    ok(await actor.send('GET', '/api/v1/users'), 200);
    ok(await actor.send('GET', `${LOG}?actor=${actor.sub}`), 200);
    expect(await actor.entries()).toEqual([]);
  });
});

describe('passwords never reach the log', () => {
  it('creating a user with a password, changing it, removing it and signing in leave no password, hash or scrypt$ in any entry', async () => {
    const actor = await newActor(t);
    const firstPassword = `first-${unique()}-secret`;
    const secondPassword = `second-${unique()}-secret`;
    const created = await actor.send('POST', '/api/v1/users', newUser({ role: ['Admin'], password: firstPassword }));
    const user = ok<UserBody>(created, 201);

    const before = await current<UserBody>(`/api/v1/users/${user.user_id}`);
    const changed = await actor.send('PATCH', `/api/v1/users/${user.user_id}`, { password: secondPassword });
    const after = ok<UserBody>(changed, 200);
    expectProblem(await login({ email: user.email, password: firstPassword }), 401, 'invalid-credentials');
    expect((await login({ email: user.email, password: secondPassword })).statusCode).toBe(200);
    const removed = await actor.send('PATCH', `/api/v1/users/${user.user_id}`, { password: null });
    ok(removed, 200);

    const about = await entriesAbout('user', user.user_id);
    expect(about.map((entry) => entry.action)).toEqual(['update', 'login', 'login_failed', 'update', 'create']);
    // Changing only the password is still an update, shown as the API shows the user.
    expectOneEntry(about, changed, { actor: actor.sub, action: 'update', entityType: 'user', entityId: user.user_id, before, after });

    const everything = [
      ...about,
      ...(await actor.entries()),
      ...(await auditEntries(t, { actor: user.user_id })),
      ...(await auditEntries(t, { actor: user.email })),
    ];
    expect(everything.length).toBeGreaterThanOrEqual(about.length);
    const text = JSON.stringify(everything);
    for (const secret of [firstPassword, secondPassword, 'scrypt$']) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/password|passwordHash|password_hash/i);
    // The raw log page too, as served.
    const raw = await t.request('GET', `${LOG}?entityType=user&entityId=${user.user_id}`);
    expect(raw.statusCode).toBe(200);
    expect(raw.body).not.toMatch(/password|scrypt\$/i);
    for (const secret of [firstPassword, secondPassword]) expect(raw.body).not.toContain(secret);
  });
});

// ---------------------------------------------------------------------------------------------

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
    const { assignment: before } = await current<{ assignment: Assignment }>(`/api/admin/assignments/${id}`);
    const outcomes = await race(actor, () => ({ method: 'PATCH', path: `/api/admin/assignments/${id}/return` }));
    const winners = outcomes.filter((o) => o.statusCode === 200);
    expect(winners).toHaveLength(1);
    for (const loser of outcomes.filter((o) => o.statusCode !== 200)) expectProblem(loser, 409, 'assignment-returned');
    const { assignment: after } = JSON.parse(winners[0]!.body) as { assignment: Assignment };

    const entries = await entriesAbout('assignment', id);
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
    const { vehicle: final } = await current<{ vehicle: Vehicle }>(`/api/admin/vehicles/${vehicle.id}`);

    // Oldest first: the order in which the changes took effect.
    const updates = (await entriesAbout('vehicle', vehicle.id)).filter((entry) => entry.action === 'update').reverse();
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
