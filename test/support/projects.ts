import { expect } from 'vitest';
import { unique } from './app.ts';
import type { TestApp } from './app.ts';
import { createUser } from './users.ts';
import type { UserBody } from './users.ts';

export interface ProjectBody {
  project_id: string;
  project_name: string;
  owner_user_id: string | null;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

export interface AssignmentBody {
  assignment_id: string;
  user_id: string;
  project_id: string;
  user: UserBody;
  project: ProjectBody;
  created_at: string;
  [field: string]: unknown;
}

export async function createProject(t: TestApp, fields: Record<string, unknown> = {}): Promise<ProjectBody> {
  const response = await t.request('POST', '/api/v1/projects', { project_name: `P-${unique()}`, ...fields });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** A project owned by a new user of `domain`. */
export async function ownedProject(t: TestApp, domain: string): Promise<ProjectBody> {
  const owner = await createUser(t, { role: ['Admin'], domain });
  return createProject(t, { owner_user_id: owner.user_id });
}

export async function assign(t: TestApp, userId: string, projectId: string) {
  return t.request('POST', '/api/v1/assignments/', { user_id: userId, project_id: projectId });
}

export const sortedKeys = (value: object) => Object.keys(value).sort();

export const PROJECT_KEYS = [
  'area_unit',
  'country',
  'created_at',
  'crediting_period',
  'has_biodiversity_module',
  'has_carbon_module',
  'has_environmental_module',
  'owner_user_id',
  'project_description',
  'project_developer',
  'project_end_date',
  'project_id',
  'project_name',
  'project_start_date',
  'project_status',
  'project_type',
  'registry',
  'sdg',
  'site_count',
  'total_area',
  'updated_at',
];
export const ASSIGNMENT_KEYS = ['assignment_id', 'created_at', 'project', 'project_id', 'updated_at', 'user', 'user_id'];

export const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';
