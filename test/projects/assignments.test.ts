import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db.ts';
import { adminToken, testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { expectProblem } from '../support/problems.ts';
import { ASSIGNMENT_KEYS, NO_SUCH_ID, PROJECT_KEYS, assign, createProject, ownedProject, sortedKeys } from '../support/projects.ts';
import type { AssignmentBody, ProjectBody } from '../support/projects.ts';
import { USER_KEYS, createUser, organization } from '../support/users.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** The list order of the Project API: newest created_at first, ties by id, descending. */
function expectNewestFirst<T extends { created_at: string }>(list: T[], id: (item: T) => string) {
  for (let i = 1; i < list.length; i++) {
    const [a, b] = [list[i - 1]!, list[i]!];
    const newer = Date.parse(a.created_at) - Date.parse(b.created_at);
    expect(newer > 0 || (newer === 0 && id(a) > id(b))).toBe(true);
  }
}
const byAssignmentId = (a: AssignmentBody) => a.assignment_id;

function bulk(userId: string, projectIds: unknown) {
  return t.request('POST', `/api/v1/assignments/bulk?user_id=${userId}`, projectIds);
}

describe('POST /api/v1/assignments/', () => {
  it('assigns an Employee to a project of any organization: 201 with the exact published object', async () => {
    const project = await ownedProject(t, organization());
    const employee = await createUser(t, { role: ['Employee'] });
    const response = await assign(t, employee.user_id, project.project_id);
    expect(response.statusCode).toBe(201);
    const assignment = response.json();
    expect(sortedKeys(assignment)).toEqual(ASSIGNMENT_KEYS);
    expect(sortedKeys(assignment.user)).toEqual(USER_KEYS);
    expect(sortedKeys(assignment.project)).toEqual(PROJECT_KEYS);
    expect(assignment.user_id).toBe(employee.user_id);
    expect(assignment.project_id).toBe(project.project_id);
    expect(assignment.user).toEqual(employee);
    expect(assignment.project).toEqual(project);
    expect(assignment.assignment_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(assignment.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(assignment.updated_at).toBe(assignment.created_at);
  });

  it("assigns a Dev of the owner's organization, comparing domains ignoring case", async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const dev = await createUser(t, { role: ['Dev'], domain: domain.toUpperCase() });
    const response = await assign(t, dev.user_id, project.project_id);
    expect(response.statusCode).toBe(201);
  });

  it('one Dev and one Employee fit on a project; a user with both roles takes the Dev place', async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const both = await createUser(t, { role: ['Employee', 'Dev'], domain });
    expect((await assign(t, both.user_id, project.project_id)).statusCode).toBe(201);
    const dev = await createUser(t, { role: ['Dev'], domain });
    expectProblem(await assign(t, dev.user_id, project.project_id), 409, 'project-limit-reached');
    const employee = await createUser(t, { role: ['Employee'] });
    expect((await assign(t, employee.user_id, project.project_id)).statusCode).toBe(201);
    const list = (await t.request('GET', `/api/v1/assignments/project/${project.project_id}`)).json();
    expect(list.map((a: AssignmentBody) => a.user_id).sort()).toEqual([both.user_id, employee.user_id].sort());
  });

  it.each([
    ['no body fields', {}],
    ['no project_id', { user_id: NO_SUCH_ID }],
    ['a malformed user_id', { user_id: 'abc', project_id: NO_SUCH_ID }],
    ['a malformed project_id', { user_id: NO_SUCH_ID, project_id: '12345' }],
    ['an unknown field', { user_id: NO_SUCH_ID, project_id: NO_SUCH_ID, role: 'Dev' }],
    ['a number for an id', { user_id: 1, project_id: NO_SUCH_ID }],
  ])('rejects %s with 400', async (_case, body) => {
    const response = await t.request('POST', '/api/v1/assignments/', body);
    expectProblem(response, 400, 'validation');
  });

  it('rejects a body that is not JSON with 400 invalid-json', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/assignments/',
      headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      payload: '{"user_id":',
    });
    expectProblem(response, 400, 'invalid-json');
  });

  it('answers an unknown user with 404, before looking at the project', async () => {
    expectProblem(await assign(t, NO_SUCH_ID, NO_SUCH_ID), 404, 'user-not-found');
  });

  it('answers an unknown project with 404', async () => {
    const employee = await createUser(t, { role: ['Employee'] });
    expectProblem(await assign(t, employee.user_id, NO_SUCH_ID), 404, 'project-not-found');
  });

  it('rejects a user with neither Dev nor Employee with 400 (user lacks role)', async () => {
    const project = await createProject(t);
    const admin = await createUser(t, { role: ['Admin'] });
    expectProblem(await assign(t, admin.user_id, project.project_id), 400, 'user-lacks-role');
  });

  it('checks the role before the status', async () => {
    const project = await createProject(t);
    const admin = await createUser(t, { role: ['Admin'], status: 'inactive' });
    expectProblem(await assign(t, admin.user_id, project.project_id), 400, 'user-lacks-role');
  });

  it('rejects an inactive Employee and an inactive Dev with 400', async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const employee = await createUser(t, { role: ['Employee'], status: 'inactive' });
    expectProblem(await assign(t, employee.user_id, project.project_id), 400, 'user-inactive');
    const dev = await createUser(t, { role: ['Dev'], domain, status: 'inactive' });
    expectProblem(await assign(t, dev.user_id, project.project_id), 400, 'user-inactive');
  });

  it('rejects a Dev on a project without owner with 400 (organization details missing); an Employee fits', async () => {
    const project = await createProject(t);
    const dev = await createUser(t, { role: ['Dev'] });
    const response = await assign(t, dev.user_id, project.project_id);
    expectProblem(response, 400, 'organization-missing');
    expect(response.json().detail).toContain(project.project_id);
    const employee = await createUser(t, { role: ['Employee'] });
    expect((await assign(t, employee.user_id, project.project_id)).statusCode).toBe(201);
  });

  it('rejects a Dev of another organization with 403', async () => {
    const project = await ownedProject(t, organization());
    const dev = await createUser(t, { role: ['Dev'], domain: organization() });
    expectProblem(await assign(t, dev.user_id, project.project_id), 403, 'organization-mismatch');
  });

  it("a domain that merely ends like the owner's is another organization (403)", async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const dev = await createUser(t, { role: ['Dev'], domain: `sub.${domain}` });
    expectProblem(await assign(t, dev.user_id, project.project_id), 403, 'organization-mismatch');
  });

  it('answers the same pair twice with 409 (already assigned), also for a Dev', async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const employee = await createUser(t, { role: ['Employee'] });
    expect((await assign(t, employee.user_id, project.project_id)).statusCode).toBe(201);
    expectProblem(await assign(t, employee.user_id, project.project_id), 409, 'already-assigned');
    const dev = await createUser(t, { role: ['Dev'], domain });
    expect((await assign(t, dev.user_id, project.project_id)).statusCode).toBe(201);
    expectProblem(await assign(t, dev.user_id, project.project_id), 409, 'already-assigned');
  });

  it('answers a second Employee with 409 (project limits reached)', async () => {
    const project = await createProject(t);
    const first = await createUser(t, { role: ['Employee'] });
    const second = await createUser(t, { role: ['Employee'] });
    expect((await assign(t, first.user_id, project.project_id)).statusCode).toBe(201);
    expectProblem(await assign(t, second.user_id, project.project_id), 409, 'project-limit-reached');
  });

  it('needs an admin token: none is 401 unauthorized, a non-admin one 403 forbidden', async () => {
    const noToken = await t.app.inject({ method: 'POST', url: '/api/v1/assignments/', payload: {} });
    expectProblem(noToken, 401, 'unauthorized');
    const employeeToken = await adminToken('someone', ['Employee']);
    expectProblem(await t.request('POST', '/api/v1/assignments/', {}, employeeToken), 403, 'forbidden');
  });
});

describe('POST /api/v1/assignments/bulk', () => {
  it('assigns a Dev to every project listed: 200 with the created assignments, in the order given', async () => {
    const domain = organization();
    const projects = [await ownedProject(t, domain), await ownedProject(t, domain), await ownedProject(t, domain)];
    const dev = await createUser(t, { role: ['Dev'], domain });
    const ids = projects.map((p) => p.project_id);
    const response = await bulk(dev.user_id, ids);
    expect(response.statusCode).toBe(200);
    const created: AssignmentBody[] = response.json();
    expect(created.map((a) => a.project_id)).toEqual(ids);
    for (const assignment of created) {
      expect(sortedKeys(assignment)).toEqual(ASSIGNMENT_KEYS);
      expect(sortedKeys(assignment.user)).toEqual(USER_KEYS);
      expect(sortedKeys(assignment.project)).toEqual(PROJECT_KEYS);
      expect(assignment.user).toEqual(dev);
    }
    expect(created.map((a) => a.project)).toEqual(projects);
  });

  it('ignores repeated ids in the body', async () => {
    const domain = organization();
    const [a, b] = [await ownedProject(t, domain), await ownedProject(t, domain)];
    const dev = await createUser(t, { role: ['Dev'], domain });
    const response = await bulk(dev.user_id, [b.project_id, a.project_id, b.project_id, a.project_id]);
    expect(response.statusCode).toBe(200);
    expect(response.json().map((x: AssignmentBody) => x.project_id)).toEqual([b.project_id, a.project_id]);
  });

  it('skips projects where the user is already assigned or the Dev place is taken, and returns only those created', async () => {
    const domain = organization();
    const [mine, taken, free] = [await ownedProject(t, domain), await ownedProject(t, domain), await ownedProject(t, domain)];
    const dev = await createUser(t, { role: ['Dev'], domain });
    const other = await createUser(t, { role: ['Dev'], domain });
    expect((await assign(t, dev.user_id, mine.project_id)).statusCode).toBe(201);
    expect((await assign(t, other.user_id, taken.project_id)).statusCode).toBe(201);
    // An Employee on a project does not take the Dev place.
    const employee = await createUser(t, { role: ['Employee'] });
    expect((await assign(t, employee.user_id, free.project_id)).statusCode).toBe(201);

    const response = await bulk(dev.user_id, [mine.project_id, taken.project_id, free.project_id]);
    expect(response.statusCode).toBe(200);
    expect(response.json().map((x: AssignmentBody) => x.project_id)).toEqual([free.project_id]);
    const ofTaken = (await t.request('GET', `/api/v1/assignments/project/${taken.project_id}`)).json();
    expect(ofTaken.map((x: AssignmentBody) => x.user_id)).toEqual([other.user_id]);
  });

  it('returns [] when every project is skipped', async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const dev = await createUser(t, { role: ['Dev'], domain });
    expect((await bulk(dev.user_id, [project.project_id])).json()).toHaveLength(1);
    const again = await bulk(dev.user_id, [project.project_id]);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual([]);
  });

  /** The user has no assignment at all after a rejected bulk: all or nothing. */
  async function expectNothingCreatedFor(userId: string) {
    const response = await t.request('GET', `/api/v1/assignments/user/${userId}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
  }

  it('answers an unknown user with 404', async () => {
    const project = await createProject(t);
    expectProblem(await bulk(NO_SUCH_ID, [project.project_id]), 404, 'user-not-found');
  });

  it('answers any unknown project with 404 naming it, and creates nothing', async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const dev = await createUser(t, { role: ['Dev'], domain });
    const response = await bulk(dev.user_id, [project.project_id, NO_SUCH_ID]);
    expectProblem(response, 404, 'project-not-found');
    expect(response.json().detail).toContain(NO_SUCH_ID);
    expect(response.json().detail).not.toContain(project.project_id);
    await expectNothingCreatedFor(dev.user_id);
  });

  it('rejects a user who is not a Dev with 400, even an Employee', async () => {
    const project = await ownedProject(t, organization());
    const employee = await createUser(t, { role: ['Employee'] });
    expectProblem(await bulk(employee.user_id, [project.project_id]), 400, 'user-not-dev');
    const admin = await createUser(t, { role: ['Admin'] });
    expectProblem(await bulk(admin.user_id, [project.project_id]), 400, 'user-not-dev');
    await expectNothingCreatedFor(employee.user_id);
  });

  it('rejects an inactive Dev with 400', async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const dev = await createUser(t, { role: ['Dev'], domain, status: 'inactive' });
    expectProblem(await bulk(dev.user_id, [project.project_id]), 400, 'user-inactive');
    await expectNothingCreatedFor(dev.user_id);
  });

  it('rejects the whole bulk with 400 when one project has no owner', async () => {
    const domain = organization();
    const owned = await ownedProject(t, domain);
    const ownerless = await createProject(t);
    const dev = await createUser(t, { role: ['Dev'], domain });
    const response = await bulk(dev.user_id, [owned.project_id, ownerless.project_id]);
    expectProblem(response, 400, 'organization-missing');
    expect(response.json().detail).toContain(ownerless.project_id);
    await expectNothingCreatedFor(dev.user_id);
  });

  it('rejects the whole bulk with 403 naming the projects of another organization', async () => {
    const domain = organization();
    const owned = await ownedProject(t, domain);
    const foreign = await ownedProject(t, organization());
    const dev = await createUser(t, { role: ['Dev'], domain });
    const response = await bulk(dev.user_id, [owned.project_id, foreign.project_id]);
    expectProblem(response, 403, 'organization-mismatch');
    expect(response.json().detail).toContain(foreign.project_id);
    expect(response.json().detail).not.toContain(owned.project_id);
    await expectNothingCreatedFor(dev.user_id);
  });

  it("checks an unknown project (404) before the user's role (400)", async () => {
    const employee = await createUser(t, { role: ['Employee'] });
    expectProblem(await bulk(employee.user_id, [NO_SUCH_ID]), 404, 'project-not-found');
  });

  it.each([
    ['an empty array', []],
    ['an object', { project_ids: [] }],
    ['a malformed id', ['not-a-uuid']],
    ['a number', [42]],
    ['more than 1000 ids', Array.from({ length: 1001 }, () => NO_SUCH_ID)],
  ])('rejects a body of %s with 400', async (_case, body) => {
    const dev = await createUser(t, { role: ['Dev'] });
    expectProblem(await bulk(dev.user_id, body), 400, 'validation');
  });

  it('rejects a missing or malformed user_id with 400', async () => {
    expectProblem(await t.request('POST', '/api/v1/assignments/bulk', [NO_SUCH_ID]), 400, 'validation');
    expectProblem(await bulk('nope', [NO_SUCH_ID]), 400, 'validation');
  });

  it('accepts 1000 ids (with repeats) and works with a trailing slash', async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const dev = await createUser(t, { role: ['Dev'], domain });
    const ids = Array.from({ length: 1000 }, () => project.project_id);
    const response = await t.request('POST', `/api/v1/assignments/bulk/?user_id=${dev.user_id}`, ids);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toHaveLength(1);
  });
});

describe('GET /api/v1/assignments/projects-by-org-email/:org_email', () => {
  it("finds the organization's users through an index, not by reading every user", async () => {
    const domain = organization();
    await ownedProject(t, domain);
    const plan = await t.database.db.transaction(async (tx) => {
      // Tables this small are cheaper to read whole; the question is whether an index can answer.
      await tx.execute(sql`set local enable_seqscan = off`);
      return queryRows<{ 'QUERY PLAN': string }>(
        tx,
        sql`explain select 1 from users where lower(regexp_replace(email, '^.*@', '')) = ${domain}`,
      );
    });
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('users_organization_idx');
  });

  it('lists the projects whose owner has the same email domain, ignoring case, newest first', async () => {
    const domain = organization();
    const first = await ownedProject(t, domain);
    await tick();
    const second = await ownedProject(t, domain.toUpperCase());
    await ownedProject(t, organization());
    await createProject(t);
    const response = await t.request('GET', `/api/v1/assignments/projects-by-org-email/Someone@${domain.toUpperCase()}`);
    expect(response.statusCode).toBe(200);
    const projects: ProjectBody[] = response.json();
    expect(projects.map((p) => p.project_id)).toEqual([second.project_id, first.project_id]);
    expect(sortedKeys(projects[0]!)).toEqual(PROJECT_KEYS);
  });

  it('takes skip and limit, also with an encoded @ and a trailing slash', async () => {
    const domain = organization();
    const projects = [await ownedProject(t, domain), await ownedProject(t, domain), await ownedProject(t, domain)];
    const all = (await t.request('GET', `/api/v1/assignments/projects-by-org-email/x%40${domain}/`)).json();
    expect(all).toHaveLength(3);
    expectNewestFirst(all, (p: ProjectBody) => p.project_id);
    const page = await t.request('GET', `/api/v1/assignments/projects-by-org-email/x@${domain}?skip=1&limit=1`);
    expect(page.statusCode).toBe(200);
    expect(page.json().map((p: ProjectBody) => p.project_id)).toEqual([all[1].project_id]);
    expect(projects.map((p) => p.project_id).sort()).toEqual(all.map((p: ProjectBody) => p.project_id).sort());
  });

  it('returns [] for a domain without projects', async () => {
    const response = await t.request('GET', `/api/v1/assignments/projects-by-org-email/a@${organization()}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
  });

  it.each(['not-an-email', 'a@', '@example.com'])('rejects %s with 400', async (email) => {
    expectProblem(await t.request('GET', `/api/v1/assignments/projects-by-org-email/${email}`), 400, 'validation');
  });

  it('rejects bad paging with 400 validation', async () => {
    const url = `/api/v1/assignments/projects-by-org-email/a@${organization()}`;
    expectProblem(await t.request('GET', `${url}?skip=-1`), 400, 'validation');
    expectProblem(await t.request('GET', `${url}?limit=0`), 400, 'validation');
  });
});

describe('GET /api/v1/assignments/project/:project_id and /user/:user_id', () => {
  it('lists the assignments of a project, newest first', async () => {
    const domain = organization();
    const project = await ownedProject(t, domain);
    const employee = await createUser(t, { role: ['Employee'] });
    const dev = await createUser(t, { role: ['Dev'], domain });
    const first = (await assign(t, employee.user_id, project.project_id)).json();
    await tick();
    const second = (await assign(t, dev.user_id, project.project_id)).json();
    const response = await t.request('GET', `/api/v1/assignments/project/${project.project_id}`);
    expect(response.statusCode).toBe(200);
    const list: AssignmentBody[] = response.json();
    expect(list.map(byAssignmentId)).toEqual([second.assignment_id, first.assignment_id]);
    expect(list[0]).toEqual(second);
    const page = await t.request('GET', `/api/v1/assignments/project/${project.project_id}/?skip=1&limit=1`);
    expect(page.json().map(byAssignmentId)).toEqual([first.assignment_id]);
  });

  it('gives [] for a project without assignments, 404 for an unknown one, 400 for a malformed id', async () => {
    const project = await createProject(t);
    expect((await t.request('GET', `/api/v1/assignments/project/${project.project_id}`)).json()).toEqual([]);
    expectProblem(await t.request('GET', `/api/v1/assignments/project/${NO_SUCH_ID}`), 404, 'project-not-found');
    expectProblem(await t.request('GET', '/api/v1/assignments/project/xyz'), 400, 'validation');
  });

  it('lists the assignments of a user, newest first', async () => {
    const employee = await createUser(t, { role: ['Employee'] });
    const [a, b] = [await createProject(t), await createProject(t)];
    const first = (await assign(t, employee.user_id, a.project_id)).json();
    await tick();
    const second = (await assign(t, employee.user_id, b.project_id)).json();
    const response = await t.request('GET', `/api/v1/assignments/user/${employee.user_id}/`);
    expect(response.statusCode).toBe(200);
    expect(response.json().map(byAssignmentId)).toEqual([second.assignment_id, first.assignment_id]);
  });

  it('gives [] for a user without assignments, 404 for an unknown one, 400 for a malformed id', async () => {
    const user = await createUser(t, { role: ['Employee'] });
    expect((await t.request('GET', `/api/v1/assignments/user/${user.user_id}`)).json()).toEqual([]);
    expectProblem(await t.request('GET', `/api/v1/assignments/user/${NO_SUCH_ID}`), 404, 'user-not-found');
    expectProblem(await t.request('GET', '/api/v1/assignments/user/1'), 400, 'validation');
  });

  it('pages with a default limit of 100 and a maximum of 1000', async () => {
    const domain = organization();
    const dev = await createUser(t, { role: ['Dev'], domain });
    const owner = await createUser(t, { role: ['Admin'], domain });
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push((await createProject(t, { owner_user_id: owner.user_id })).project_id);
    expect((await bulk(dev.user_id, ids)).json()).toHaveLength(101);

    const url = `/api/v1/assignments/user/${dev.user_id}`;
    expect((await t.request('GET', url)).json()).toHaveLength(100);
    const all = (await t.request('GET', `${url}?limit=1000`)).json();
    expect(all).toHaveLength(101);
    expectNewestFirst(all, byAssignmentId);
    expect((await t.request('GET', `${url}?skip=100`)).json()).toEqual([all[100]]);
    expect((await t.request('GET', `${url}?skip=101`)).json()).toEqual([]);
    for (const query of ['skip=-1', 'limit=0', 'limit=1001']) {
      expectProblem(await t.request('GET', `${url}?${query}`), 400, 'validation');
    }
    const byOrg = (await t.request('GET', `/api/v1/assignments/projects-by-org-email/q@${domain}`)).json();
    expect(byOrg).toHaveLength(100);
  });
});

describe('GET /api/v1/assignments/', () => {
  it('lists every assignment newest first, with and without a trailing slash', async () => {
    const employee = await createUser(t, { role: ['Employee'] });
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) {
      mine.push((await assign(t, employee.user_id, (await createProject(t)).project_id)).json().assignment_id);
      await tick();
    }
    for (const url of ['/api/v1/assignments', '/api/v1/assignments/']) {
      const response = await t.request('GET', `${url}?limit=1000`);
      expect(response.statusCode).toBe(200);
      const list: AssignmentBody[] = response.json();
      expectNewestFirst(list, byAssignmentId);
      expect(list.map(byAssignmentId).filter((id) => mine.includes(id))).toEqual([...mine].reverse());
      for (const assignment of list) expect(sortedKeys(assignment)).toEqual(ASSIGNMENT_KEYS);
    }
  });

  it('takes skip and limit; of more than 100 assignments, returns exactly 100 without them', async () => {
    // 101 assignments of this test's own (one bulk), so that there are more than 100 whatever else runs.
    const domain = organization();
    const dev = await createUser(t, { role: ['Dev'], domain });
    const owner = await createUser(t, { role: ['Admin'], domain });
    const ids: string[] = [];
    for (let made = 0; made < 101; made += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, 101 - made) }, () => createProject(t, { owner_user_id: owner.user_id })),
      );
      ids.push(...batch.map((p) => p.project_id));
    }
    expect((await bulk(dev.user_id, ids)).json()).toHaveLength(101);

    expect((await t.request('GET', '/api/v1/assignments/?limit=3')).json()).toHaveLength(3);
    expect((await t.request('GET', '/api/v1/assignments/?skip=1&limit=2')).json()).toHaveLength(2);
    expect((await t.request('GET', '/api/v1/assignments/')).json()).toHaveLength(100);
    expect((await t.request('GET', '/api/v1/assignments/?limit=101')).json()).toHaveLength(101);
  });

  it.each(['skip=-1', 'skip=1000001', 'limit=0', 'limit=1001', 'limit=ten'])('rejects %s with 400 validation', async (query) => {
    expectProblem(await t.request('GET', `/api/v1/assignments/?${query}`), 400, 'validation');
  });
});

describe('GET and DELETE /api/v1/assignments/:assignment_id', () => {
  it('gets an assignment, deletes it (204, no body), then both are 404 and the place is free again', async () => {
    const project = await createProject(t);
    const employee = await createUser(t, { role: ['Employee'] });
    const created = (await assign(t, employee.user_id, project.project_id)).json();
    const url = `/api/v1/assignments/${created.assignment_id}`;

    const got = await t.request('GET', url);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(created);
    expect(sortedKeys(got.json())).toEqual(ASSIGNMENT_KEYS);

    const deleted = await t.request('DELETE', `${url}/`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expectProblem(await t.request('GET', url), 404, 'project-assignment-not-found');
    expectProblem(await t.request('DELETE', url), 404, 'project-assignment-not-found');

    const other = await createUser(t, { role: ['Employee'] });
    expect((await assign(t, other.user_id, project.project_id)).statusCode).toBe(201);
  });

  it('rejects a malformed id with 400 validation', async () => {
    expectProblem(await t.request('GET', '/api/v1/assignments/123'), 400, 'validation');
    expectProblem(await t.request('DELETE', '/api/v1/assignments/123'), 400, 'validation');
  });
});
