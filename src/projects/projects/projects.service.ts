import type { Database } from '../../platform/db.ts';
import { isStillReferenced } from '../../platform/problems.ts';
import type { Page } from '../../platform/schemas.ts';
import { projectProblems } from '../projects.problems.ts';
import type { CreateProject, Project, UpdateProject } from './projects.schemas.ts';
import * as store from './projects.store.ts';

// An unknown owner_user_id (404) and end before start (400) are the foreign key's and the check
// constraint's answers, through the error handler: they hold on PATCH too, where only one of
// the two dates may be sent.

export function listProjects(db: Database, page: Page): Promise<Project[]> {
  return store.listProjects(db, page);
}

export async function getProject(db: Database, projectId: string): Promise<Project> {
  const project = await store.findProject(db, projectId);
  if (!project) throw projectProblems.projectNotFound(projectId);
  return project;
}

// Every change is one transaction, the unit a later audit entry joins.

export function createProject(db: Database, input: CreateProject): Promise<Project> {
  return db.transaction((tx) => store.insertProject(tx, input));
}

export function updateProject(db: Database, projectId: string, input: UpdateProject): Promise<Project> {
  return db.transaction(async (tx) => {
    const project = await store.updateProject(tx, projectId, input);
    if (!project) throw projectProblems.projectNotFound(projectId);
    return project;
  });
}

/** Never cascades: a project with assignments stays (409). */
export async function deleteProject(db: Database, projectId: string): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      if (!(await store.deleteProject(tx, projectId))) throw projectProblems.projectNotFound(projectId);
    });
  } catch (error) {
    if (isStillReferenced(error)) throw projectProblems.projectHasAssignments();
    throw error;
  }
}
