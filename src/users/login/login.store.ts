import { and, eq, sql } from 'drizzle-orm';
import { users } from '../../db/schema.ts';
import type { Executor } from '../../platform/db.ts';
import { toUser, userColumns } from '../users.store.ts';

/** For sign-in: the user with this email (ignoring case) and their password hash. */
export async function findUserForLogin(db: Executor, email: string) {
  const [row] = await db
    .select({ ...userColumns, passwordHash: users.passwordHash, tokenVersion: users.tokenVersion })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.toLowerCase()));
  return row && { user: toUser(row), passwordHash: row.passwordHash, tokenVersion: row.tokenVersion };
}

/**
 * The same password, hashed with the current parameters. Its token version stays: tokens issued
 * under the old hash are for the same password. Skipped when the password changed meanwhile.
 */
export async function replacePasswordHash(db: Executor, userId: string, oldHash: string, newHash: string): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash: newHash })
    .where(and(eq(users.userId, userId), eq(users.passwordHash, oldHash)));
}

/** What a token issued at sign-in is checked against at each request. */
export async function findTokenHolder(db: Executor, userId: string) {
  const [row] = await db
    .select({ role: users.role, status: users.status, tokenVersion: users.tokenVersion })
    .from(users)
    .where(eq(users.userId, userId));
  return row;
}

/** Whether some active administrator can sign in with a password. */
export async function anyAdministrator(db: Executor): Promise<boolean> {
  const [row] = await db
    .select({ id: users.userId })
    .from(users)
    .where(sql`'Admin' = any(${users.role}) and ${users.status} = 'active' and ${users.passwordHash} is not null`)
    .limit(1);
  return row !== undefined;
}

/**
 * Creates the user, or — same email — makes them an active Admin with this password hash; a hash
 * that differs from the stored one ends the tokens issued under the old one.
 */
export async function upsertAdministrator(db: Executor, email: string, passwordHash: string): Promise<void> {
  // The conflict target is the expression index on lower(email), which the query builder cannot name.
  await db.execute(sql`
    insert into users (email, first_name, last_name, role, status, password_hash)
    values (${email}, 'Admin', 'Administrator', array['Admin'], 'active', ${passwordHash})
    on conflict (lower(email)) do update set
      password_hash = excluded.password_hash,
      token_version = users.token_version + (users.password_hash is distinct from excluded.password_hash)::int,
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
