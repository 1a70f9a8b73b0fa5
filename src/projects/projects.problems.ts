import { badRequest, conflict, notFound, Problem } from '../platform/problems.ts';
import type { ConstraintProblems } from '../platform/problems.ts';

/** Every error of the projects and their assignments beyond the platform's and the users'. */
export const projectProblems = {
  projectNotFound: (...ids: string[]) =>
    notFound('project-not-found', ids.length === 1 ? `project ${ids[0]} does not exist` : `these projects do not exist: ${ids.join(', ')}`),
  ownerNotFound: (id: string) => notFound('owner-not-found', `owner user ${id} does not exist`),
  projectAssignmentNotFound: (id: string) => notFound('project-assignment-not-found', `assignment ${id} does not exist`),
  projectHasAssignments: () => conflict('project-has-assignments', 'the project has assignments; delete them first'),
  projectDatesOutOfOrder: () => badRequest('project-dates-out-of-order', 'project_end_date must not be before project_start_date'),
  userLacksRole: (id: string) =>
    badRequest('user-lacks-role', `user ${id} has neither the Dev nor the Employee role, so cannot be assigned`),
  userNotDev: (id: string) => badRequest('user-not-dev', `user ${id} is not a Dev; bulk assignment is for Dev users`),
  userInactive: (id: string) => badRequest('user-inactive', `user ${id} is inactive`),
  organizationMissing: (projectIds: string[]) =>
    badRequest(
      'organization-missing',
      `project ${projectIds.join(', ')} has no owner, so its organization is unknown and no Dev can be assigned`,
    ),
  organizationMismatch: (projectIds: string[]) =>
    new Problem(
      403,
      'organization-mismatch',
      `a Dev must belong to the project owner's organization; project ${projectIds.join(', ')} belongs to another`,
    ),
  alreadyAssigned: () => conflict('already-assigned', 'this user is already assigned to this project'),
  projectLimitReached: () =>
    conflict('project-limit-reached', 'the project already has a user in this capacity (one Dev and one Employee at most)'),
} as const;

/** The pair and capacity rules are unique indexes; the owner a foreign key; the dates a check. */
export const projectConstraints: ConstraintProblems = {
  project_assignments_user_project_key: () => projectProblems.alreadyAssigned(),
  project_assignments_one_per_role: () => projectProblems.projectLimitReached(),
  projects_owner_user_id_users_user_id_fk: (key) => projectProblems.ownerNotFound(key ?? ''),
  projects_dates_ordered: () => projectProblems.projectDatesOutOfOrder(),
};
