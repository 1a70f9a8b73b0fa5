import { conflict, notFound } from '../platform/problems.ts';
import type { ConstraintProblems } from '../platform/problems.ts';

export const userProblems = {
  userNotFound: (id: string) => notFound('user-not-found', `user ${id} does not exist`),
  userEmailTaken: () => conflict('user-email-taken', 'another user already has this email (emails are compared ignoring case)'),
  userHasAssignments: () => conflict('user-has-assignments', 'the user has project assignments or owns projects; remove those first'),
} as const;

export const userConstraints: ConstraintProblems = {
  users_email_key: () => userProblems.userEmailTaken(),
};
