import { recordAudit } from '../../platform/audit.ts';
import type { AuditContext } from '../../platform/audit.ts';
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

// Every change and its audit entry are one transaction.

export function createProject(db: Database, input: CreateProject, audit: AuditContext): Promise<Project> {
  return db.transaction(async (tx) => {
    const project = await store.insertProject(tx, input);
    await recordAudit(tx, audit, { action: 'create', entityType: 'project', entityId: project.project_id, before: null, after: project });
    return project;
  });
}

export function updateProject(db: Database, projectId: string, input: UpdateProject, audit: AuditContext): Promise<Project> {
  return db.transaction(async (tx) => {
    const before = await store.findProject(tx, projectId, { lock: true });
    if (!before) throw projectProblems.projectNotFound(projectId);
    const after = (await store.updateProject(tx, projectId, input))!;
    await recordAudit(tx, audit, { action: 'update', entityType: 'project', entityId: projectId, before, after });
    return after;
  });
}

/** Never cascades: a project with assignments stays (409). */
export async function deleteProject(db: Database, projectId: string, audit: AuditContext): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      const before = await store.deleteProject(tx, projectId);
      if (!before) throw projectProblems.projectNotFound(projectId);
      await recordAudit(tx, audit, { action: 'delete', entityType: 'project', entityId: projectId, before, after: null });
    });
  } catch (error) {
    if (isStillReferenced(error)) throw projectProblems.projectHasAssignments();
    throw error;
  }
}
