import { recordAudit } from '../platform/audit.ts';
import type { AuditContext } from '../platform/audit.ts';
import type { Database } from '../platform/db.ts';
import { isStillReferenced } from '../platform/problems.ts';
import type { Page } from '../platform/schemas.ts';
import { hashPassword } from './login/passwords.ts';
import { userProblems } from './users.problems.ts';
import type { CreateUser, UpdateUser, User } from './users.schemas.ts';
import * as store from './users.store.ts';
import type { UserRecord } from './users.store.ts';

/** A user's organization: the lower-cased domain of their email. */
export function organizationOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

export function listUsers(db: Database, page: Page): Promise<User[]> {
  return store.listUsers(db, page);
}

export async function getUser(db: Database, userId: string): Promise<User> {
  const user = await store.findUser(db, userId);
  if (!user) throw userProblems.userNotFound(userId);
  return user;
}

/** API field names → columns; a field not sent stays undefined (its default, or unchanged). */
function toRecord(input: CreateUser): UserRecord;
function toRecord(input: UpdateUser): Partial<UserRecord>;
function toRecord(input: CreateUser | UpdateUser): Partial<UserRecord> {
  return {
    email: input.email,
    firstName: input.first_name,
    lastName: input.last_name,
    role: input.role,
    status: input.status,
    isEmailVerified: input.is_email_verified,
  };
}

/**
 * A duplicate email (ignoring case) is the unique index's 409, through the error handler. The
 * change and its audit entry are one transaction; the slow hash is made before it.
 */
export async function createUser(db: Database, input: CreateUser, audit: AuditContext): Promise<User> {
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const user = await store.insertUser(tx, { ...toRecord(input), passwordHash });
    await recordAudit(tx, audit, { action: 'create', entityType: 'user', entityId: user.user_id, before: null, after: user });
    return user;
  });
}

export async function updateUser(db: Database, userId: string, input: UpdateUser, audit: AuditContext): Promise<User> {
  const changes = toRecord(input);
  if (input.password !== undefined) changes.passwordHash = input.password === null ? null : await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const before = await store.findUser(tx, userId, { lock: true });
    if (!before) throw userProblems.userNotFound(userId);
    const after = (await store.updateUser(tx, userId, changes))!;
    // The objects carry no password: a changed password shows as a changed updated_at.
    await recordAudit(tx, audit, { action: 'update', entityType: 'user', entityId: userId, before, after });
    return after;
  });
}

/** Never cascades: a user who is assigned to, or owns, a project stays (409). */
export async function deleteUser(db: Database, userId: string, audit: AuditContext): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      const before = await store.deleteUser(tx, userId);
      if (!before) throw userProblems.userNotFound(userId);
      await recordAudit(tx, audit, { action: 'delete', entityType: 'user', entityId: userId, before, after: null });
    });
  } catch (error) {
    if (isStillReferenced(error)) throw userProblems.userHasAssignments();
    throw error;
  }
}
