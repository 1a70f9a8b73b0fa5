import { Type } from 'typebox';
import type { Static } from 'typebox';
import { ref, Timestamp, Uuid } from '../../platform/schemas.ts';
import { UserRef } from '../../users/users.schemas.ts';
import { ProjectRef } from '../projects/projects.schemas.ts';

/** The assignment object of the Project API: the link, the user and the project in full. */
export const ProjectAssignment = Type.Object(
  {
    assignment_id: Uuid,
    created_at: Timestamp,
    updated_at: Timestamp,
    user_id: Uuid,
    project_id: Uuid,
    user: UserRef,
    project: ProjectRef,
  },
  { $id: 'ProjectAssignment', description: 'A user (Employee or Dev) on a project' },
);
export type ProjectAssignment = Static<typeof ProjectAssignment>;
export const ProjectAssignmentRef = ref(ProjectAssignment);

export const CreateProjectAssignment = Type.Object(
  {
    user_id: { ...Uuid, description: 'ID of the user to assign' },
    project_id: { ...Uuid, description: 'ID of the project' },
  },
  { additionalProperties: false },
);
export type CreateProjectAssignment = Static<typeof CreateProjectAssignment>;

export const BulkQuery = Type.Object({ user_id: { ...Uuid, description: 'ID of the Dev user' } });
export const BulkProjectIds = Type.Array(Uuid, {
  minItems: 1,
  maxItems: 1000,
  description: 'project ids; a repeated id counts once',
});

export const AssignmentIdParams = Type.Object({ assignment_id: Uuid });
export const ProjectIdParams = Type.Object({ project_id: Uuid });
export const UserIdParams = Type.Object({ user_id: Uuid });
export const OrgEmailParams = Type.Object({
  org_email: Type.String({
    format: 'email',
    maxLength: 254,
    description: "any email of the organization: projects whose owner's email has the same domain",
  }),
});
