import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { LOG, auditEntries, current, entriesAbout, expectOneEntry, login, newActor, ok, writtenBy } from '../support/audit.ts';
import type { Actor } from '../support/audit.ts';
import { MISSING_ID, assign, createTechnician, createVehicle, plate } from '../support/fleet.ts';
import type { Vehicle } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';
import { NO_SUCH_ID, createProject, ownedProject } from '../support/projects.ts';
import { createUser, newUser, organization } from '../support/users.ts';
import type { UserBody } from '../support/users.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

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
    expect((await entriesAbout(t, 'vehicle', other.id)).map((entry) => entry.action)).toEqual(['create']);
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
    expect((await entriesAbout(t, 'assignment', id)).map((entry) => entry.action)).toEqual(['return', 'assign']);
  });

  it('409: deleting a vehicle or technician still assigned, a duplicate user email, a user who is assigned', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    await assign(t, vehicle.id, technician.id);
    await expectNothingWritten((a) => a.send('DELETE', `/api/admin/vehicles/${vehicle.id}`), 409, 'vehicle-assigned');
    await expectNothingWritten((a) => a.send('DELETE', `/api/admin/technicians/${technician.id}`), 409, 'technician-assigned');
    expect((await entriesAbout(t, 'vehicle', vehicle.id)).map((entry) => entry.action)).toEqual(['create']);

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
    expect(await entriesAbout(t, 'user', ownDev.user_id).then((entries) => entries.map((entry) => entry.action))).toEqual(['create']);
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

    const before = await current<UserBody>(t, `/api/v1/users/${user.user_id}`);
    const changed = await actor.send('PATCH', `/api/v1/users/${user.user_id}`, { password: secondPassword });
    const after = ok<UserBody>(changed, 200);
    expectProblem(await login(t, { email: user.email, password: firstPassword }), 401, 'invalid-credentials');
    expect((await login(t, { email: user.email, password: secondPassword })).statusCode).toBe(200);
    const removed = await actor.send('PATCH', `/api/v1/users/${user.user_id}`, { password: null });
    ok(removed, 200);

    const about = await entriesAbout(t, 'user', user.user_id);
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
