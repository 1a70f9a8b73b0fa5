import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { projectAssignments, projects, users } from '../../db/schema.ts';
import type { Executor } from '../../platform/db.ts';
import type { Page } from '../../platform/schemas.ts';
import { toUser, userColumns } from '../../users/users.store.ts';
import type { UserRow } from '../../users/users.store.ts';
import type { Project } from '../projects/projects.schemas.ts';
import { projectColumns, toProject } from '../projects/projects.store.ts';
import type { ProjectRow } from '../projects/projects.store.ts';
import type { ProjectAssignment } from './assignments.schemas.ts';

export type AssignedAs = 'Dev' | 'Employee';

/** The API object's columns, read from the table or from the rows an insert just returned. */
function assignmentColumns<Source extends Record<'assignmentId' | 'createdAt' | 'updatedAt' | 'userId' | 'projectId', AnyPgColumn>>(
  source: Source,
) {
  return {
    assignment_id: source.assignmentId,
    created_at: source.createdAt,
    updated_at: source.updatedAt,
    user_id: source.userId,
    project_id: source.projectId,
    user: userColumns,
    project: projectColumns,
  };
}

function selectAssignments(db: Executor) {
  return db
    .select(assignmentColumns(projectAssignments))
    .from(projectAssignments)
    .innerJoin(users, eq(users.userId, projectAssignments.userId))
    .innerJoin(projects, eq(projects.projectId, projectAssignments.projectId));
}

interface AssignmentRow {
  assignment_id: string;
  created_at: Date;
  updated_at: Date;
  user_id: string;
  project_id: string;
  user: UserRow;
  project: ProjectRow;
}

function toAssignment(row: AssignmentRow): ProjectAssignment {
  return {
    ...row,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    user: toUser(row.user),
    project: toProject(row.project),
  };
}

const newestFirst = [desc(projectAssignments.createdAt), desc(projectAssignments.assignmentId)];

export async function listAssignments(db: Executor, page: Page, filter: { userId?: string; projectId?: string } = {}) {
  const rows = await selectAssignments(db)
    .where(
      and(
        filter.userId === undefined ? undefined : eq(projectAssignments.userId, filter.userId),
        filter.projectId === undefined ? undefined : eq(projectAssignments.projectId, filter.projectId),
      ),
    )
    .orderBy(...newestFirst)
    .offset(page.skip)
    .limit(page.limit);
  return rows.map(toAssignment);
}

/** `lock` holds the assignment row (FOR UPDATE, not its user and project) until the transaction ends. */
export async function findAssignment(
  db: Executor,
  assignmentId: string,
  options: { lock?: boolean } = {},
): Promise<ProjectAssignment | undefined> {
  const query = selectAssignments(db).where(eq(projectAssignments.assignmentId, assignmentId));
  const [row] = options.lock ? await query.for('update', { of: projectAssignments }) : await query;
  return row && toAssignment(row);
}

/**
 * The user as the assignment rules see them, share-locked until the transaction ends: a
 * concurrent change of their roles, status or email (their organization) waits for it.
 */
export async function lockUser(db: Executor, userId: string) {
  const [row] = await db
    .select({ userId: users.userId, email: users.email, role: users.role, status: users.status })
    .from(users)
    .where(eq(users.userId, userId))
    .for('share');
  return row;
}

/** The owners' emails, share-locked for the same reason as lockUser. */
export async function lockOwnerEmails(db: Executor, userIds: string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.select({ userId: users.userId, email: users.email }).from(users).where(inArray(users.userId, userIds)).for('share');
  return new Map(rows.map((row) => [row.userId, row.email]));
}

/** Share-locked, so that a project's owner cannot change, nor the project go, before commit. */
export async function lockProjects(db: Executor, projectIds: string[]) {
  return db
    .select({ projectId: projects.projectId, ownerUserId: projects.ownerUserId })
    .from(projects)
    .where(inArray(projects.projectId, projectIds))
    .for('share');
}

interface NewAssignment {
  userId: string;
  projectId: string;
  assignedAs: AssignedAs;
}

/**
 * One statement inserts and returns the full objects. Without skipTaken, the unique indexes
 * decide: a pair already assigned or a capacity already filled fails with 23505 and its index's
 * name, which the error handler answers with 409. With it, such rows are skipped.
 */
export async function insertAssignments(
  db: Executor,
  rows: NewAssignment[],
  options: { skipTaken: boolean },
): Promise<ProjectAssignment[]> {
  const insert = db.insert(projectAssignments).values(rows);
  const inserted = db.$with('inserted').as((options.skipTaken ? insert.onConflictDoNothing() : insert).returning());
  const created = await db
    .with(inserted)
    .select(assignmentColumns(inserted))
    .from(inserted)
    .innerJoin(users, eq(users.userId, inserted.userId))
    .innerJoin(projects, eq(projects.projectId, inserted.projectId));
  return created.map(toAssignment);
}

export async function deleteAssignment(db: Executor, assignmentId: string): Promise<boolean> {
  const rows = await db
    .delete(projectAssignments)
    .where(eq(projectAssignments.assignmentId, assignmentId))
    .returning({ id: projectAssignments.assignmentId });
  return rows.length > 0;
}

export async function userExists(db: Executor, userId: string): Promise<boolean> {
  const [row] = await db.select({ id: users.userId }).from(users).where(eq(users.userId, userId));
  return row !== undefined;
}

export async function projectExists(db: Executor, projectId: string): Promise<boolean> {
  const [row] = await db.select({ id: projects.projectId }).from(projects).where(eq(projects.projectId, projectId));
  return row !== undefined;
}

/** Projects whose owner's organization (lower-cased email domain) is this one, newest first. */
export async function listProjectsOfOrganization(db: Executor, organization: string, page: Page): Promise<Project[]> {
  const rows = await db
    .select(projectColumns)
    .from(projects)
    .innerJoin(users, eq(users.userId, projects.ownerUserId))
    // Everything after the last '@', as organizationOf() takes it.
    .where(eq(sql`lower(regexp_replace(${users.email}, '^.*@', ''))`, organization))
    .orderBy(desc(projects.createdAt), desc(projects.projectId))
    .offset(page.skip)
    .limit(page.limit);
  return rows.map(toProject);
}
