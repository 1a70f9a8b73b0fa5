import { desc, eq, sql } from 'drizzle-orm';
import { users } from '../db/schema.ts';
import type { Executor } from '../platform/db.ts';
import type { Page } from '../platform/schemas.ts';
import type { User } from './users.schemas.ts';

type Role = User['role'][number];

/** The API object's columns; projects nest the same object. */
export const userColumns = {
  user_id: users.userId,
  email: users.email,
  first_name: users.firstName,
  last_name: users.lastName,
  role: users.role,
  status: users.status,
  is_email_verified: users.isEmailVerified,
  created_at: users.createdAt,
  updated_at: users.updatedAt,
};

export type UserRow = Omit<User, 'role' | 'created_at' | 'updated_at'> & { role: string[]; created_at: Date; updated_at: Date };

export function toUser(row: UserRow): User {
  return {
    ...row,
    role: row.role as Role[],
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export interface UserRecord {
  email: string;
  firstName: string;
  lastName: string;
  role: string[];
  status?: 'active' | 'inactive';
  isEmailVerified?: boolean;
  passwordHash?: string | null;
}

export async function listUsers(db: Executor, page: Page): Promise<User[]> {
  const rows = await db
    .select(userColumns)
    .from(users)
    .orderBy(desc(users.createdAt), desc(users.userId))
    .offset(page.skip)
    .limit(page.limit);
  return rows.map(toUser);
}

/** `lock` holds the row (FOR UPDATE) until the transaction ends. */
export async function findUser(db: Executor, userId: string, options: { lock?: boolean } = {}): Promise<User | undefined> {
  const query = db.select(userColumns).from(users).where(eq(users.userId, userId));
  const [row] = options.lock ? await query.for('update') : await query;
  return row && toUser(row);
}

export async function insertUser(db: Executor, record: UserRecord): Promise<User> {
  const [row] = await db.insert(users).values(record).returning(userColumns);
  return toUser(row!);
}

export async function updateUser(db: Executor, userId: string, changes: Partial<UserRecord>): Promise<User | undefined> {
  const [row] = await db
    .update(users)
    // Setting or removing the password ends every token issued at sign-in under the old one.
    .set({
      ...changes,
      ...(changes.passwordHash === undefined ? {} : { tokenVersion: sql`${users.tokenVersion} + 1` }),
      updatedAt: sql`now()`,
    })
    .where(eq(users.userId, userId))
    .returning(userColumns);
  return row && toUser(row);
}

/** The user as they were, or undefined when there was none. */
export async function deleteUser(db: Executor, userId: string): Promise<User | undefined> {
  const [row] = await db.delete(users).where(eq(users.userId, userId)).returning(userColumns);
  return row && toUser(row);
}
