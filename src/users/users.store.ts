import { desc, eq, sql } from 'drizzle-orm';
import { users } from '../db/schema.ts';
import type { Executor } from '../platform/db.ts';
import type { Page, User } from './users.schemas.ts';

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

export async function findUser(db: Executor, userId: string): Promise<User | undefined> {
  const [row] = await db.select(userColumns).from(users).where(eq(users.userId, userId));
  return row && toUser(row);
}

/** For sign-in: the user with this email (ignoring case) and their password hash. */
export async function findUserForLogin(db: Executor, email: string) {
  const [row] = await db
    .select({ ...userColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.toLowerCase()));
  return row && { user: toUser(row), passwordHash: row.passwordHash };
}

export async function insertUser(db: Executor, record: UserRecord): Promise<User> {
  const [row] = await db.insert(users).values(record).returning(userColumns);
  return toUser(row!);
}

export async function updateUser(db: Executor, userId: string, changes: Partial<UserRecord>): Promise<User | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(users.userId, userId))
    .returning(userColumns);
  return row && toUser(row);
}

export async function deleteUser(db: Executor, userId: string): Promise<boolean> {
  const rows = await db.delete(users).where(eq(users.userId, userId)).returning({ id: users.userId });
  return rows.length > 0;
}

export async function anyAdministrator(db: Executor): Promise<boolean> {
  const [row] = await db
    .select({ id: users.userId })
    .from(users)
    .where(sql`'Admin' = any(${users.role}) and ${users.status} = 'active' and ${users.passwordHash} is not null`)
    .limit(1);
  return row !== undefined;
}

/** Creates the user, or — same email — makes them an active Admin with this password hash. */
export async function upsertAdministrator(db: Executor, email: string, passwordHash: string): Promise<void> {
  // The conflict target is the expression index on lower(email), which the query builder cannot name.
  await db.execute(sql`
    insert into users (email, first_name, last_name, role, status, password_hash)
    values (${email}, 'Admin', 'Administrator', array['Admin'], 'active', ${passwordHash})
    on conflict (lower(email)) do update set
      password_hash = excluded.password_hash,
      status = 'active',
      role = case when 'Admin' = any(users.role) then users.role else array_append(users.role, 'Admin') end,
      updated_at = now()`);
}

/** Creates the user unless one with this email exists; true when this call created it. */
export async function insertAdministratorIfAbsent(db: Executor, email: string, passwordHash: string): Promise<boolean> {
  const rows = await db
    .insert(users)
    .values({ email, firstName: 'Admin', lastName: 'Administrator', role: ['Admin'], status: 'active', passwordHash })
    .onConflictDoNothing()
    .returning({ id: users.userId });
  return rows.length > 0;
}
