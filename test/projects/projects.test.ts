import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { expectProblem } from '../support/problems.ts';
import { NO_SUCH_ID, PROJECT_KEYS, assign, createProject, sortedKeys } from '../support/projects.ts';
import type { ProjectBody } from '../support/projects.ts';
import { createUser, organization } from '../support/users.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

/** Every field of the published example project. */
const sampleFields = {
  project_start_date: '2023-01-01',
  project_end_date: '2033-01-01',
  country: 'India',
  project_description: 'A test project',
  project_type: 'ARR/WRC',
  total_area: 160.55,
  area_unit: 'ha',
  project_developer: 'Developer Name',
  crediting_period: '10 years',
  registry: 'Verra',
  sdg: ['sdg13.png'],
  project_status: 'active',
  has_carbon_module: true,
  has_biodiversity_module: false,
  has_environmental_module: false,
  site_count: 0,
};

describe('POST /api/v1/projects', () => {
  it('creates a project with every field of the published example: 201 and the exact field set', async () => {
    const owner = await createUser(t, { role: ['Admin'] });
    const name = `Sample ${unique()}`;
    const response = await t.request('POST', '/api/v1/projects', { project_name: name, owner_user_id: owner.user_id, ...sampleFields });
    expect(response.statusCode).toBe(201);
    const project = response.json();
    expect(sortedKeys(project)).toEqual(PROJECT_KEYS);
    expect(project).toMatchObject({ project_name: name, owner_user_id: owner.user_id, ...sampleFields });
    expect(project.project_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(project.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(project.updated_at).toBe(project.created_at);
  });

  it('needs only project_name; the rest take their defaults', async () => {
    const project = await createProject(t);
    expect(project).toMatchObject({
      project_start_date: null,
      project_end_date: null,
      country: null,
      total_area: null,
      sdg: [],
      owner_user_id: null,
      project_status: 'active',
      has_carbon_module: false,
      has_biodiversity_module: false,
      has_environmental_module: false,
      site_count: 0,
    });
    expect(sortedKeys(project)).toEqual(PROJECT_KEYS);
  });

  it.each([
    ['no project_name', {}],
    ['an empty project_name', { project_name: '' }],
    ['a blank project_name', { project_name: '   ' }],
    ['a project_name over 200 characters', { project_name: 'x'.repeat(201) }],
    ['an unknown field', { project_name: 'P', colour: 'red' }],
    ['a date not in YYYY-MM-DD', { project_name: 'P', project_start_date: '01/02/2023' }],
    ['an impossible date', { project_name: 'P', project_start_date: '2023-02-30' }],
    ['a negative total_area', { project_name: 'P', total_area: -1 }],
    ['total_area as a string', { project_name: 'P', total_area: '12' }],
    ['a negative site_count', { project_name: 'P', site_count: -1 }],
    ['a fractional site_count', { project_name: 'P', site_count: 1.5 }],
    ['sdg not an array', { project_name: 'P', sdg: 'sdg13.png' }],
    ['sdg with a non-string', { project_name: 'P', sdg: [13] }],
    ['a malformed owner_user_id', { project_name: 'P', owner_user_id: 'not-a-uuid' }],
    ['a boolean module flag as a string', { project_name: 'P', has_carbon_module: 'true' }],
    ['a description over its maximum length', { project_name: 'P', project_description: 'x'.repeat(5001) }],
    ['a country over its maximum length', { project_name: 'P', country: 'x'.repeat(101) }],
    ['a null project_status', { project_name: 'P', project_status: null }],
  ])('rejects %s with 400 validation', async (_case, body) => {
    expectProblem(await t.request('POST', '/api/v1/projects', body), 400, 'validation');
  });

  it('rejects an end date before the start date with 400 project-dates-out-of-order', async () => {
    const response = await t.request('POST', '/api/v1/projects', {
      project_name: 'P',
      project_start_date: '2024-01-02',
      project_end_date: '2024-01-01',
    });
    expectProblem(response, 400, 'project-dates-out-of-order');
  });

  it('accepts an end date equal to the start date', async () => {
    const project = await createProject(t, { project_start_date: '2024-01-01', project_end_date: '2024-01-01' });
    expect(project.project_end_date).toBe('2024-01-01');
  });

  it('answers an unknown owner with 404 owner-not-found', async () => {
    const response = await t.request('POST', '/api/v1/projects', { project_name: 'P', owner_user_id: NO_SUCH_ID });
    expectProblem(response, 404, 'owner-not-found');
  });

  it('works with and without a trailing slash', async () => {
    const without = await t.request('POST', '/api/v1/projects', { project_name: `P-${unique()}` });
    expect(without.statusCode).toBe(201);
    const listed = await t.request('GET', '/api/v1/projects/');
    expect(listed.statusCode).toBe(200);
    const one = await t.request('GET', `/api/v1/projects/${without.json().project_id}/`);
    expect(one.statusCode).toBe(200);
  });
});

describe('GET /api/v1/projects', () => {
  it('lists newest first, with skip and limit', async () => {
    const created: ProjectBody[] = [];
    for (let i = 0; i < 3; i++) {
      created.push(await createProject(t));
      // created_at has millisecond precision: keep the three apart.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const response = await t.request('GET', '/api/v1/projects?limit=1000');
    expect(response.statusCode).toBe(200);
    const mine = response.json<ProjectBody[]>().filter((p) => created.some((c) => c.project_id === p.project_id));
    expect(mine.map((p) => p.project_id)).toEqual(created.map((c) => c.project_id).reverse());
    for (const project of mine) expect(sortedKeys(project)).toEqual(PROJECT_KEYS);

    // Other test files add projects meanwhile, so paging is checked by size, not by content
    // (the assignments tests check skip by content, on lists of their own).
    expect((await t.request('GET', '/api/v1/projects?limit=1')).json()).toHaveLength(1);
    expect((await t.request('GET', '/api/v1/projects?skip=1&limit=2')).json()).toHaveLength(2);
    expect((await t.request('GET', '/api/v1/projects?skip=1000000')).json()).toEqual([]);
  });

  it('returns exactly 100 of more than 100 projects without a limit, and 101 with limit=101', async () => {
    // 101 projects of this test's own, so that the table has more than 100 whatever else runs.
    for (let made = 0; made < 101; made += 10) {
      await Promise.all(Array.from({ length: Math.min(10, 101 - made) }, () => createProject(t)));
    }
    const response = await t.request('GET', '/api/v1/projects');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toHaveLength(100);
    const more = await t.request('GET', '/api/v1/projects?limit=101');
    expect(more.statusCode).toBe(200);
    expect(more.json()).toHaveLength(101);
  });

  it.each(['skip=-1', 'skip=1000001', 'limit=0', 'limit=1001', 'limit=abc', 'skip=1.5'])(
    'rejects %s with 400 validation',
    async (query) => {
      expectProblem(await t.request('GET', `/api/v1/projects?${query}`), 400, 'validation');
    },
  );
});

describe('GET /api/v1/projects/:project_id', () => {
  it('returns the project', async () => {
    const project = await createProject(t, sampleFields);
    const response = await t.request('GET', `/api/v1/projects/${project.project_id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(project);
  });

  it('answers an unknown id with 404 project-not-found and a malformed one with 400 validation', async () => {
    expectProblem(await t.request('GET', `/api/v1/projects/${NO_SUCH_ID}`), 404, 'project-not-found');
    expectProblem(await t.request('GET', '/api/v1/projects/42'), 400, 'validation');
  });
});

describe('PATCH /api/v1/projects/:project_id', () => {
  it('changes the fields sent, leaves the others, and moves updated_at', async () => {
    const project = await createProject(t, sampleFields);
    const owner = await createUser(t, { role: ['Admin'] });
    const response = await t.request('PATCH', `/api/v1/projects/${project.project_id}`, {
      project_name: 'Renamed',
      total_area: 12,
      country: null,
      owner_user_id: owner.user_id,
      sdg: ['sdg1.png', 'sdg2.png'],
      site_count: 3,
    });
    expect(response.statusCode).toBe(200);
    const changed = response.json();
    expect(changed).toMatchObject({
      project_name: 'Renamed',
      total_area: 12,
      country: null,
      owner_user_id: owner.user_id,
      sdg: ['sdg1.png', 'sdg2.png'],
      site_count: 3,
      registry: 'Verra',
      project_start_date: '2023-01-01',
    });
    expect(changed.created_at).toBe(project.created_at);
    expect(Date.parse(changed.updated_at)).toBeGreaterThanOrEqual(Date.parse(project.updated_at));
    expect((await t.request('GET', `/api/v1/projects/${project.project_id}`)).json()).toEqual(changed);
  });

  it('rejects an end date before the stored start date with 400 project-dates-out-of-order, and changes nothing', async () => {
    const project = await createProject(t, { project_start_date: '2024-06-01' });
    const response = await t.request('PATCH', `/api/v1/projects/${project.project_id}`, { project_end_date: '2024-05-31' });
    expectProblem(response, 400, 'project-dates-out-of-order');
    expect((await t.request('GET', `/api/v1/projects/${project.project_id}`)).json().project_end_date).toBeNull();
  });

  it('rejects a start date after the stored end date with 400 project-dates-out-of-order', async () => {
    const project = await createProject(t, { project_end_date: '2024-06-01' });
    const response = await t.request('PATCH', `/api/v1/projects/${project.project_id}`, { project_start_date: '2024-06-02' });
    expectProblem(response, 400, 'project-dates-out-of-order');
  });

  it.each([
    ['an empty body', {}],
    ['an unknown field', { colour: 'red' }],
    ['a null project_name', { project_name: null }],
    ['a negative total_area', { total_area: -0.5 }],
    ['a malformed date', { project_end_date: '2024-13-01' }],
  ])('rejects a PATCH with %s with 400 validation', async (_case, body) => {
    const project = await createProject(t);
    expectProblem(await t.request('PATCH', `/api/v1/projects/${project.project_id}`, body), 400, 'validation');
  });

  it('answers an unknown owner with 404 owner-not-found and an unknown project with 404 project-not-found', async () => {
    const project = await createProject(t);
    const owner = await t.request('PATCH', `/api/v1/projects/${project.project_id}`, { owner_user_id: NO_SUCH_ID });
    expectProblem(owner, 404, 'owner-not-found');
    const missing = await t.request('PATCH', `/api/v1/projects/${NO_SUCH_ID}`, { project_name: 'X' });
    expectProblem(missing, 404, 'project-not-found');
  });
});

describe('DELETE /api/v1/projects/:project_id', () => {
  it('deletes a project without assignments: 204 with no body, then GET and DELETE are 404 project-not-found', async () => {
    const project = await createProject(t);
    const response = await t.request('DELETE', `/api/v1/projects/${project.project_id}`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expectProblem(await t.request('GET', `/api/v1/projects/${project.project_id}`), 404, 'project-not-found');
    expectProblem(await t.request('DELETE', `/api/v1/projects/${project.project_id}`), 404, 'project-not-found');
  });

  it('refuses to delete a project that has assignments (409 project-has-assignments), and keeps both', async () => {
    const project = await createProject(t);
    const employee = await createUser(t, { role: ['Employee'], domain: organization() });
    const assigned = await assign(t, employee.user_id, project.project_id);
    expect(assigned.statusCode).toBe(201);
    expectProblem(await t.request('DELETE', `/api/v1/projects/${project.project_id}`), 409, 'project-has-assignments');
    expect((await t.request('GET', `/api/v1/assignments/${assigned.json().assignment_id}`)).statusCode).toBe(200);

    expect((await t.request('DELETE', `/api/v1/assignments/${assigned.json().assignment_id}`)).statusCode).toBe(204);
    expect((await t.request('DELETE', `/api/v1/projects/${project.project_id}`)).statusCode).toBe(204);
  });
});
