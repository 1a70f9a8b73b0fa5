import { recordAudit } from '../../platform/audit.ts';
import type { AuditContext, AuditEntry } from '../../platform/audit.ts';
import type { Database, Transaction } from '../../platform/db.ts';
import type { Page } from '../../platform/schemas.ts';
import { userProblems } from '../../users/users.problems.ts';
import { organizationOf } from '../../users/users.service.ts';
import { projectProblems } from '../projects.problems.ts';
import type { Project } from '../projects/projects.schemas.ts';
import type { CreateProjectAssignment, ProjectAssignment } from './assignments.schemas.ts';
import * as store from './assignments.store.ts';
import type { AssignedAs } from './assignments.store.ts';

type Candidate = NonNullable<Awaited<ReturnType<typeof store.lockUser>>>;

/** Dev wins over Employee when a user has both; neither → the user cannot be assigned. */
function capacityOf(user: Candidate): AssignedAs | undefined {
  if (user.role.includes('Dev')) return 'Dev';
  if (user.role.includes('Employee')) return 'Employee';
  return undefined;
}

/**
 * A Dev belongs to the project owner's organization. Projects without an owner are 400 before
 * any mismatch is 403, each naming every project concerned.
 */
async function checkOrganizations(tx: Transaction, dev: Candidate, found: { projectId: string; ownerUserId: string | null }[]) {
  const ownerless = found.filter((project) => project.ownerUserId === null).map((project) => project.projectId);
  if (ownerless.length > 0) throw projectProblems.organizationMissing(ownerless);
  const owners = await store.lockOwnerEmails(tx, [...new Set(found.map((project) => project.ownerUserId!))]);
  const organization = organizationOf(dev.email);
  // An owner always exists: the foreign key keeps them while they own a project.
  const foreign = found
    .filter((project) => organizationOf(owners.get(project.ownerUserId!) ?? '') !== organization)
    .map((project) => project.projectId);
  if (foreign.length > 0) throw projectProblems.organizationMismatch(foreign);
}

/**
 * The assignment rules, in their order: 400 invalid, 404 unknown user or project, 400 no
 * Dev/Employee role or inactive, Dev only: 400 project without owner and 403 another organization,
 * then 409 for the pair or the capacity. The rows they read are share-locked, so that no
 * concurrent change of roles, status, email or owner slips in before commit; the pair and the
 * capacity are left to the unique indexes, so that of racing creates exactly one wins.
 */
export function createAssignment(db: Database, input: CreateProjectAssignment, audit: AuditContext): Promise<ProjectAssignment> {
  return db.transaction(async (tx) => {
    const user = await store.lockUser(tx, input.user_id);
    if (!user) throw userProblems.userNotFound(input.user_id);
    const [project] = await store.lockProjects(tx, [input.project_id]);
    if (!project) throw projectProblems.projectNotFound(input.project_id);

    const assignedAs = capacityOf(user);
    if (!assignedAs) throw projectProblems.userLacksRole(user.userId);
    if (user.status !== 'active') throw projectProblems.userInactive(user.userId);
    if (assignedAs === 'Dev') await checkOrganizations(tx, user, [project]);

    const [assignment] = await store.insertAssignments(tx, [{ userId: user.userId, projectId: project.projectId, assignedAs }], {
      skipTaken: false,
    });
    await recordAudit(tx, audit, auditOf('create', assignment!));
    return assignment!;
  });
}

/**
 * All or nothing for errors: every check passes for every project before anything is written.
 * Then a project where this user is already assigned, or whose Dev place is taken, is skipped.
 */
export function createBulkAssignments(
  db: Database,
  userId: string,
  projectIds: string[],
  audit: AuditContext,
): Promise<ProjectAssignment[]> {
  const listed = [...new Set(projectIds)];
  // Sorted, so that two bulks over the same projects take the index entries in one order.
  const ids = [...listed].sort();
  return db.transaction(async (tx) => {
    const user = await store.lockUser(tx, userId);
    if (!user) throw userProblems.userNotFound(userId);
    const found = await store.lockProjects(tx, ids);
    if (found.length < ids.length) {
      const known = new Set(found.map((project) => project.projectId));
      throw projectProblems.projectNotFound(...ids.filter((id) => !known.has(id)));
    }

    if (capacityOf(user) !== 'Dev') throw projectProblems.userNotDev(userId);
    if (user.status !== 'active') throw projectProblems.userInactive(userId);
    await checkOrganizations(tx, user, found);

    const assignments = await store.insertAssignments(
      tx,
      ids.map((projectId) => ({ userId, projectId, assignedAs: 'Dev' as const })),
      { skipTaken: true },
    );
    const position = new Map(listed.map((id, index) => [id, index]));
    assignments.sort((a, b) => position.get(a.project_id)! - position.get(b.project_id)!);
    // One entry per assignment made; a skipped project made none.
    await recordAudit(tx, audit, ...assignments.map((assignment) => auditOf('bulk_create', assignment)));
    return assignments;
  });
}

export function listAssignments(db: Database, page: Page): Promise<ProjectAssignment[]> {
  return store.listAssignments(db, page);
}

export async function listAssignmentsOfProject(db: Database, projectId: string, page: Page): Promise<ProjectAssignment[]> {
  const assignments = await store.listAssignments(db, page, { projectId });
  if (assignments.length === 0 && !(await store.projectExists(db, projectId))) throw projectProblems.projectNotFound(projectId);
  return assignments;
}

export async function listAssignmentsOfUser(db: Database, userId: string, page: Page): Promise<ProjectAssignment[]> {
  const assignments = await store.listAssignments(db, page, { userId });
  if (assignments.length === 0 && !(await store.userExists(db, userId))) throw userProblems.userNotFound(userId);
  return assignments;
}

export function projectsByOrgEmail(db: Database, orgEmail: string, page: Page): Promise<Project[]> {
  return store.listProjectsOfOrganization(db, organizationOf(orgEmail), page);
}

export async function getAssignment(db: Database, assignmentId: string): Promise<ProjectAssignment> {
  const assignment = await store.findAssignment(db, assignmentId);
  if (!assignment) throw projectProblems.projectAssignmentNotFound(assignmentId);
  return assignment;
}

export function deleteAssignment(db: Database, assignmentId: string, audit: AuditContext): Promise<void> {
  return db.transaction(async (tx) => {
    const before = await store.findAssignment(tx, assignmentId, { lock: true });
    if (!before) throw projectProblems.projectAssignmentNotFound(assignmentId);
    await store.deleteAssignment(tx, assignmentId);
    await recordAudit(tx, audit, { action: 'delete', entityType: 'project_assignment', entityId: assignmentId, before, after: null });
  });
}

function auditOf(action: 'create' | 'bulk_create', assignment: ProjectAssignment): AuditEntry {
  return { action, entityType: 'project_assignment', entityId: assignment.assignment_id, before: null, after: assignment };
}
