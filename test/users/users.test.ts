import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { expectProblem } from '../support/problems.ts';
import { NO_SUCH_ID, assign, createProject, sortedKeys } from '../support/projects.ts';
import { USER_KEYS, createUser, newUser } from '../support/users.ts';
import type { UserBody, UserFields } from '../support/users.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const create = (fields: UserFields = {}): Promise<UserBody> => createUser(t, fields);

/** No response may ever carry a password or its hash, under any name. */
function expectNoSecret(body: string) {
  expect(body).not.toMatch(/password|hash|scrypt/i);
}

describe('POST /api/v1/users', () => {
  it('creates a user: 201 with the published user object and its defaults', async () => {
    const body = newUser({ role: ['Dev', 'Employee'] });
    const response = await t.request('POST', '/api/v1/users', body);
    expect(response.statusCode).toBe(201);
    const user = response.json();
    expect(sortedKeys(user)).toEqual(USER_KEYS);
    expect(user).toMatchObject({ ...body, status: 'active', is_email_verified: false });
    expect(user.user_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('takes status, is_email_verified and a password, and never returns the password', async () => {
    const response = await t.request(
      'POST',
      '/api/v1/users',
      newUser({ status: 'inactive', is_email_verified: true, password: 'correct horse' }),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ status: 'inactive', is_email_verified: true });
    expect(sortedKeys(response.json())).toEqual(USER_KEYS);
    expectNoSecret(response.body);
  });

  it('answers an email already used, differing only in case, with 409 user-email-taken', async () => {
    const user = await create();
    expectProblem(await t.request('POST', '/api/v1/users', newUser({ email: user.email.toUpperCase() })), 409, 'user-email-taken');
  });

  it.each([
    ['no email', { email: undefined }],
    ['a malformed email', { email: 'not-an-email' }],
    ['no role', { role: undefined }],
    ['an empty role list', { role: [] }],
    ['an unknown role', { role: ['Manager'] }],
    ['role as a string', { role: 'Dev' }],
    ['a repeated role', { role: ['Dev', 'Dev'] }],
    ['an unknown status', { status: 'retired' }],
    ['an empty first_name', { first_name: '' }],
    ['a too short password', { password: 'short' }],
    ['is_email_verified as a string', { is_email_verified: 'true' }],
    ['an unknown field', { nickname: 'Ada' }],
    ['a user_id of its own', { user_id: NO_SUCH_ID }],
  ])('rejects %s with 400 validation naming the field', async (_case, fields) => {
    const problem = expectProblem(await t.request('POST', '/api/v1/users', newUser(fields)), 400, 'validation');
    expect(problem.errors!.length).toBeGreaterThan(0);
  });
});

describe('GET /api/v1/users', () => {
  it('lists users newest first, with skip and limit, and no secret', async () => {
    const mine = [await create({ password: 'a password!' }), await create(), await create()];
    const response = await t.request('GET', '/api/v1/users?limit=1000');
    expect(response.statusCode).toBe(200);
    expectNoSecret(response.body);
    const listed: UserBody[] = response.json();
    const ids = mine.map((u) => u.user_id);
    const order = listed.filter((u) => ids.includes(u.user_id)).map((u) => u.user_id);
    expect(order).toHaveLength(3);
    for (let i = 1; i < listed.length; i++) {
      expect(Date.parse(listed[i - 1]!.created_at)).toBeGreaterThanOrEqual(Date.parse(listed[i]!.created_at));
    }
    // Other test files add users meanwhile, so paging is checked by size, not by content.
    expect((await t.request('GET', '/api/v1/users?skip=1&limit=2')).json()).toHaveLength(2);
    expect((await t.request('GET', '/api/v1/users?skip=1000000')).json()).toEqual([]);
  });

  it.each(['skip=-1', 'skip=1000001', 'limit=0', 'limit=1001'])('rejects %s with 400 validation', async (query) => {
    expectProblem(await t.request('GET', `/api/v1/users?${query}`), 400, 'validation');
  });

  it('of more than 100 users returns exactly 100 by default, with or without a trailing slash, and 101 with limit=101', async () => {
    // 101 users of this test's own, so that there are more than 100 whatever else runs.
    for (let made = 0; made < 101; made += 10) {
      await Promise.all(Array.from({ length: Math.min(10, 101 - made) }, () => create()));
    }
    for (const url of ['/api/v1/users', '/api/v1/users/']) {
      const response = await t.request('GET', url);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toHaveLength(100);
    }
    const more = await t.request('GET', '/api/v1/users?limit=101');
    expect(more.statusCode).toBe(200);
    expect(more.json()).toHaveLength(101);
  });
});

describe('GET, PATCH and DELETE /api/v1/users/:user_id', () => {
  it('gets a user; an unknown id is 404 user-not-found, a malformed one 400 validation', async () => {
    const user = await create({ password: 'a password!' });
    const response = await t.request('GET', `/api/v1/users/${user.user_id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(user);
    expectNoSecret(response.body);
    expectProblem(await t.request('GET', `/api/v1/users/${NO_SUCH_ID}`), 404, 'user-not-found');
    expectProblem(await t.request('GET', '/api/v1/users/not-a-uuid'), 400, 'validation');
  });

  it('changes the fields sent and keeps the others', async () => {
    const user = await create();
    const response = await t.request('PATCH', `/api/v1/users/${user.user_id}`, {
      first_name: 'Grace',
      role: ['Dev'],
      status: 'inactive',
      password: 'a new password',
    });
    expect(response.statusCode).toBe(200);
    expectNoSecret(response.body);
    expect(response.json()).toMatchObject({
      ...user,
      first_name: 'Grace',
      role: ['Dev'],
      status: 'inactive',
      updated_at: expect.any(String),
    });
    expect(sortedKeys(response.json())).toEqual(USER_KEYS);
  });

  it.each([
    ['an empty body', {}],
    ['an unknown field', { nickname: 'x' }],
    ['a bad role', { role: ['Boss'] }],
    ['a malformed email', { email: 'x' }],
  ])('rejects a PATCH with %s with 400 validation', async (_case, body) => {
    const user = await create();
    expectProblem(await t.request('PATCH', `/api/v1/users/${user.user_id}`, body), 400, 'validation');
  });

  it('answers a PATCH of an unknown user with 404 user-not-found and to an email in use with 409 user-email-taken', async () => {
    expectProblem(await t.request('PATCH', `/api/v1/users/${NO_SUCH_ID}`, { first_name: 'X' }), 404, 'user-not-found');
    const [a, b] = [await create(), await create()];
    const response = await t.request('PATCH', `/api/v1/users/${b.user_id}`, { email: a.email.toUpperCase() });
    expectProblem(response, 409, 'user-email-taken');
  });

  it('deletes a user: 204 with no body, then GET and DELETE are 404 user-not-found; a malformed id is 400', async () => {
    const user = await create();
    const response = await t.request('DELETE', `/api/v1/users/${user.user_id}`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expectProblem(await t.request('GET', `/api/v1/users/${user.user_id}`), 404, 'user-not-found');
    expectProblem(await t.request('DELETE', `/api/v1/users/${user.user_id}`), 404, 'user-not-found');
    expectProblem(await t.request('DELETE', '/api/v1/users/123'), 400, 'validation');
  });

  it('refuses to delete a user who has an assignment (409 user-has-assignments) and keeps them', async () => {
    const user = await create({ role: ['Employee'] });
    const project = await createProject(t);
    expect((await assign(t, user.user_id, project.project_id)).statusCode).toBe(201);
    expectProblem(await t.request('DELETE', `/api/v1/users/${user.user_id}`), 409, 'user-has-assignments');
    expect((await t.request('GET', `/api/v1/users/${user.user_id}`)).statusCode).toBe(200);
  });

  it('refuses to delete a user who owns a project (409 user-has-assignments) and keeps them', async () => {
    const owner = await create({ role: ['Admin'] });
    await createProject(t, { owner_user_id: owner.user_id });
    expectProblem(await t.request('DELETE', `/api/v1/users/${owner.user_id}`), 409, 'user-has-assignments');
    expect((await t.request('GET', `/api/v1/users/${owner.user_id}`)).statusCode).toBe(200);
  });
});

describe('signing in as a user', () => {
  async function login(emailAddress: string, password: string) {
    return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: emailAddress, password } });
  }

  it('an Admin with a password gets a token that works on /api/v1/users', async () => {
    const admin = await create({ role: ['Admin'], password: 'admin password' });
    const response = await login(admin.email.toUpperCase(), 'admin password');
    expect(response.statusCode).toBe(200);
    expectNoSecret(response.body);
    const { token, user } = response.json();
    expect(user).toEqual(admin);
    const listed = await t.request('GET', '/api/v1/users?limit=1', undefined, token);
    expect(listed.statusCode).toBe(200);
  });

  it('an Employee gets a token that is 403 forbidden on /api/v1/users', async () => {
    const employee = await create({ role: ['Employee'], password: 'employee password' });
    const response = await login(employee.email, 'employee password');
    expect(response.statusCode).toBe(200);
    expectProblem(await t.request('GET', '/api/v1/users', undefined, response.json().token), 403, 'forbidden');
  });

  it('a wrong password is 401 invalid-credentials', async () => {
    const admin = await create({ role: ['Admin'], password: 'admin password' });
    expectProblem(await login(admin.email, 'wrong password'), 401, 'invalid-credentials');
  });
});
