import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { auditEntries, clientAddress, current, entriesAbout, expectOneEntry, login, newActor, ok, writtenBy } from '../support/audit.ts';
import { assign, createTechnician, createVehicle, email, plate, returnAssignment } from '../support/fleet.ts';
import type { Assignment, Technician, Vehicle } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';
import { createProject, ownedProject } from '../support/projects.ts';
import type { AssignmentBody, ProjectBody } from '../support/projects.ts';
import { createUser, newUser, organization } from '../support/users.ts';
import type { UserBody } from '../support/users.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const PASSWORD = 'correct horse battery staple';

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
    const entries = await entriesAbout(t, entityType, party.id);
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
    const before = await current<Record<string, unknown>>(t, `${path}/${party.id}`);
    const response = await actor.send('PATCH', `${path}/${party.id}`, change());
    const after = ok<Record<string, unknown>>(response, 200)[entityType];
    expect(after).not.toEqual(before[entityType]);
    const entries = await entriesAbout(t, entityType, party.id);
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
    const before = await current<Record<string, unknown>>(t, `${path}/${party.id}`);
    const response = await actor.send('DELETE', `${path}/${party.id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout(t, entityType, party.id);
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
    const before = await current<Record<string, unknown>>(t, `${path}/${party.id}`);
    const response = await actor.send('DELETE', `${path}/${party.id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout(t, entityType, party.id);
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
    const entries = await entriesAbout(t, 'assignment', assignment.id);
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
    const { assignment: before } = await current<{ assignment: Assignment }>(t, `/api/admin/assignments/${id}`);
    expect(before.status).toBe('active');
    const response = await actor.send('PATCH', `/api/admin/assignments/${id}/return`, { notes: 'returned with a dent' });
    const { assignment: after } = ok<{ assignment: Assignment }>(response, 200);
    expect(after.status).toBe('returned');
    const entries = await entriesAbout(t, 'assignment', id);
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
    expectOneEntry(await entriesAbout(t, 'user', user.user_id), response, {
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
    const before = await current<UserBody>(t, `/api/v1/users/${user.user_id}`);
    const response = await actor.send('PATCH', `/api/v1/users/${user.user_id}`, { first_name: 'Renamed', status: 'inactive' });
    const after = ok<UserBody>(response, 200);
    const entries = await entriesAbout(t, 'user', user.user_id);
    expectOneEntry(entries, response, { actor: actor.sub, action: 'update', entityType: 'user', entityId: user.user_id, before, after });
    expect(entries.map((entry) => entry.action)).toEqual(['update', 'create']);
  });

  it('DELETE /api/v1/users/:id: delete, before the user, after null', async () => {
    const actor = await newActor(t);
    const user = await createUser(t);
    const before = await current<UserBody>(t, `/api/v1/users/${user.user_id}`);
    const response = await actor.send('DELETE', `/api/v1/users/${user.user_id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout(t, 'user', user.user_id);
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
    expectOneEntry(await entriesAbout(t, 'project', project.project_id), response, {
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
    const before = await current<ProjectBody>(t, `/api/v1/projects/${project.project_id}`);
    const response = await actor.send('PATCH', `/api/v1/projects/${project.project_id}`, {
      project_name: `Renamed ${unique()}`,
      country: 'IN',
    });
    const after = ok<ProjectBody>(response, 200);
    const entries = await entriesAbout(t, 'project', project.project_id);
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
    const before = await current<ProjectBody>(t, `/api/v1/projects/${project.project_id}`);
    const response = await actor.send('DELETE', `/api/v1/projects/${project.project_id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout(t, 'project', project.project_id);
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
    expectOneEntry(await entriesAbout(t, 'project_assignment', assignment.assignment_id), response, {
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
      const about = await entriesAbout(t, 'project_assignment', assignment.assignment_id);
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
    const before = await current<AssignmentBody>(t, `/api/v1/assignments/${created.assignment_id}`);
    const response = await actor.send('DELETE', `/api/v1/assignments/${created.assignment_id}`);
    expect(response.statusCode, response.body).toBe(204);
    const entries = await entriesAbout(t, 'project_assignment', created.assignment_id);
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
    const response = await login(t, { email: user.email, password: PASSWORD });
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
    const response = await login(t, { email: user.email, password: PASSWORD });
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
    const response = await login(t, { email: user.email, password: 'not the password' });
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
      const response = await login(t, { email: user.email, password: PASSWORD });
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
    const response = await login(t, { email: tried, password: PASSWORD });
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
      expectProblem(await login(t, { email: user.email, password: `wrong-${i}` }, address), 401, 'invalid-credentials');
    const throttled = await login(t, { email: user.email, password: PASSWORD }, address);
    expectProblem(throttled, 429, 'too-many-login-attempts');

    const failures = await auditEntries(t, { actor: user.email });
    expect(failures.map((entry) => entry.action)).toEqual(Array(5).fill('login_failed'));
    expect(writtenBy(failures, throttled)).toEqual([]);
    expect(await auditEntries(t, { actor: user.user_id })).toEqual([]);
    expect((await entriesAbout(t, 'user', user.user_id)).map((entry) => entry.action)).toEqual([
      ...Array(5).fill('login_failed'),
      'create',
    ]);
  });

  it.each([
    ['no password', (tried: string) => ({ email: tried })],
    ['a password longer than 256 characters', (tried: string) => ({ email: tried, password: 'x'.repeat(257) })],
    ['an unknown field', (tried: string) => ({ email: tried, password: PASSWORD, remember: true })],
  ])('a sign-in rejected with 400 (%s) writes nothing', async (_case, body) => {
    const user = await createUser(t, { role: ['Admin'], password: PASSWORD });
    expectProblem(await login(t, body(user.email)), 400, 'validation');
    expect(await auditEntries(t, { actor: user.email })).toEqual([]);
    expect(await auditEntries(t, { actor: user.user_id })).toEqual([]);
    expect((await entriesAbout(t, 'user', user.user_id)).map((entry) => entry.action)).toEqual(['create']);
  });
});
