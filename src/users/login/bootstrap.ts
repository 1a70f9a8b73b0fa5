import { randomInt } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Database } from '../../platform/db.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { anyAdministrator, findUserForLogin, insertAdministratorIfAbsent, upsertAdministrator } from './login.store.ts';

const GENERATED_ADMIN_EMAIL = 'admin@localhost';
// Letters and digits only, so the password survives being pasted into a shell or a JSON string.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

function generatePassword(length = 24): string {
  return Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

/**
 * ADMIN_EMAIL/ADMIN_PASSWORD create that administrator or reset their password at every start.
 * Without them, an embedded server with no administrator who can sign in makes admin@localhost
 * with a random password, and returns the lines to show once: the password is stored only as a
 * hash. On PostgreSQL nothing is generated.
 */
export async function bootstrapAdministrator(db: Database, config: Config, baseUrl: string): Promise<string[]> {
  if (config.adminEmail && config.adminPassword) {
    // The same password as before keeps its hash, so that a restart does not end the admin's tokens.
    const stored = (await findUserForLogin(db, config.adminEmail))?.passwordHash;
    const unchanged = stored && (await verifyPassword(config.adminPassword, stored));
    await upsertAdministrator(db, config.adminEmail, unchanged ? stored : await hashPassword(config.adminPassword));
    return [];
  }
  // Accepting only the identity provider's tokens, the server issues none: a password would sign nobody in.
  if (config.jwksUrl && !config.jwtSecret) return [];
  // A production server gets its administrator from ADMIN_EMAIL/ADMIN_PASSWORD, never a generated
  // password that would have to travel through its output.
  if (config.database.kind === 'postgres') return [];
  if (await anyAdministrator(db)) return [];
  const password = generatePassword();
  if (!(await insertAdministratorIfAbsent(db, GENERATED_ADMIN_EMAIL, await hashPassword(password)))) return [];
  return [
    `Created the administrator ${GENERATED_ADMIN_EMAIL} with the password ${password}`,
    'It is shown this once. Get a token with:',
    `  curl -s -X POST ${baseUrl}/api/auth/login -H 'Content-Type: application/json' \\`,
    `    -d '{"email":"${GENERATED_ADMIN_EMAIL}","password":"${password}"}'`,
  ];
}
