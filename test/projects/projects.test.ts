import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { NO_SUCH_ID, PROJECT_KEYS, assign, createProject, createUser, organization, sortedKeys } from '../support/projects.ts';
import type { ProjectBody } from '../support/projects.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

/** Every field of the source document's example project. */
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
  it('creates a project with every field of the source document: 201 and the exact field set', async () => {
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
  ])('rejects %s with 400', async (_case, body) => {
    const response = await t.request('POST', '/api/v1/projects', body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('rejects an end date before the start date with 400', async () => {
    const response = await t.request('POST', '/api/v1/projects', {
      project_name: 'P',
      project_start_date: '2024-01-02',
      project_end_date: '2024-01-01',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().type).toBe('/problems/project-dates-out-of-order');
  });

  it('accepts an end date equal to the start date', async () => {
    const project = await createProject(t, { project_start_date: '2024-01-01', project_end_date: '2024-01-01' });
    expect(project.project_end_date).toBe('2024-01-01');
  });

  it('answers an unknown owner with 404', async () => {
    const response = await t.request('POST', '/api/v1/projects', { project_name: 'P', owner_user_id: NO_SUCH_ID });
    expect(response.statusCode).toBe(404);
    expect(response.json().type).toBe('/problems/owner-not-found');
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
    const mine = (response.json() as ProjectBody[]).filter((p) => created.some((c) => c.project_id === p.project_id));
    expect(mine.map((p) => p.project_id)).toEqual(created.map((c) => c.project_id).reverse());
    for (const project of mine) expect(sortedKeys(project)).toEqual(PROJECT_KEYS);

    // Other test files add projects meanwhile, so paging is checked by size, not by content
    // (the assignments tests check skip by content, on lists of their own).
    expect((await t.request('GET', '/api/v1/projects?limit=1')).json()).toHaveLength(1);
    expect((await t.request('GET', '/api/v1/projects?skip=1&limit=2')).json()).toHaveLength(2);
    expect((await t.request('GET', '/api/v1/projects?skip=100000000')).json()).toEqual([]);
  });

  it('returns at most 100 without a limit', async () => {
    const response = await t.request('GET', '/api/v1/projects');
    expect(response.statusCode).toBe(200);
    expect(response.json().length).toBeLessThanOrEqual(100);
  });

  it.each(['skip=-1', 'limit=0', 'limit=1001', 'limit=abc', 'skip=1.5'])('rejects %s with 400', async (query) => {
    expect((await t.request('GET', `/api/v1/projects?${query}`)).statusCode).toBe(400);
  });
});

describe('GET /api/v1/projects/:project_id', () => {
  it('returns the project', async () => {
    const project = await createProject(t, sampleFields);
    const response = await t.request('GET', `/api/v1/projects/${project.project_id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(project);
  });

  it('answers an unknown id with 404 and a malformed one with 400', async () => {
    const missing = await t.request('GET', `/api/v1/projects/${NO_SUCH_ID}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().type).toBe('/problems/project-not-found');
    expect((await t.request('GET', '/api/v1/projects/42')).statusCode).toBe(400);
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

  it('rejects an end date before the stored start date with 400, and changes nothing', async () => {
    const project = await createProject(t, { project_start_date: '2024-06-01' });
    const response = await t.request('PATCH', `/api/v1/projects/${project.project_id}`, { project_end_date: '2024-05-31' });
    expect(response.statusCode).toBe(400);
    expect(response.json().type).toBe('/problems/project-dates-out-of-order');
    expect((await t.request('GET', `/api/v1/projects/${project.project_id}`)).json().project_end_date).toBeNull();
  });

  it('rejects a start date after the stored end date with 400', async () => {
    const project = await createProject(t, { project_end_date: '2024-06-01' });
    const response = await t.request('PATCH', `/api/v1/projects/${project.project_id}`, { project_start_date: '2024-06-02' });
    expect(response.statusCode).toBe(400);
  });

  it.each([
    ['an empty body', {}],
    ['an unknown field', { colour: 'red' }],
    ['a null project_name', { project_name: null }],
    ['a negative total_area', { total_area: -0.5 }],
    ['a malformed date', { project_end_date: '2024-13-01' }],
  ])('rejects %s with 400', async (_case, body) => {
    const project = await createProject(t);
    expect((await t.request('PATCH', `/api/v1/projects/${project.project_id}`, body)).statusCode).toBe(400);
  });

  it('answers an unknown owner with 404 and an unknown project with 404', async () => {
    const project = await createProject(t);
    const owner = await t.request('PATCH', `/api/v1/projects/${project.project_id}`, { owner_user_id: NO_SUCH_ID });
    expect(owner.statusCode).toBe(404);
    expect(owner.json().type).toBe('/problems/owner-not-found');
    const missing = await t.request('PATCH', `/api/v1/projects/${NO_SUCH_ID}`, { project_name: 'X' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().type).toBe('/problems/project-not-found');
  });
});

describe('DELETE /api/v1/projects/:project_id', () => {
  it('deletes a project without assignments: 204 with no body, then 404', async () => {
    const project = await createProject(t);
    const response = await t.request('DELETE', `/api/v1/projects/${project.project_id}`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect((await t.request('GET', `/api/v1/projects/${project.project_id}`)).statusCode).toBe(404);
    expect((await t.request('DELETE', `/api/v1/projects/${project.project_id}`)).statusCode).toBe(404);
  });

  it('refuses to delete a project that has assignments (409), and keeps both', async () => {
    const project = await createProject(t);
    const employee = await createUser(t, { role: ['Employee'], domain: organization() });
    const assigned = await assign(t, employee.user_id, project.project_id);
    expect(assigned.statusCode).toBe(201);
    const response = await t.request('DELETE', `/api/v1/projects/${project.project_id}`);
    expect(response.statusCode).toBe(409);
    expect(response.json().type).toBe('/problems/project-has-assignments');
    expect((await t.request('GET', `/api/v1/assignments/${assigned.json().assignment_id}`)).statusCode).toBe(200);

    expect((await t.request('DELETE', `/api/v1/assignments/${assigned.json().assignment_id}`)).statusCode).toBe(204);
    expect((await t.request('DELETE', `/api/v1/projects/${project.project_id}`)).statusCode).toBe(204);
  });
});
