import type { Static } from 'typebox';
import type { Config } from '../../config.ts';
import { issueToken } from '../../platform/auth.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { AuditEntry } from '../../platform/audit.ts';
import type { Database } from '../../platform/db.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { loginProblems } from './login.problems.ts';
import type { LoginResult } from './login.schemas.ts';
import { findUserForLogin } from './login.store.ts';
import { verifyPassword } from './passwords.ts';

export interface SignInContext {
  db: Database;
  /** The HS256 key tokens are issued with; undefined when the server accepts only JWKS tokens. */
  jwtSecret: string | undefined;
  config: Pick<Config, 'tokenTtlSeconds' | 'jwtIssuer' | 'jwtAudience'>;
  throttle: LoginThrottle;
}

/**
 * In order: a server that issues no tokens says so (503); a client past the failure limit waits
 * (429); an unknown email, a wrong password, a user without password and an inactive user all get
 * the one 401, after the same amount of work, so that nothing can be enumerated.
 */
export async function signIn(
  { db, jwtSecret, config, throttle }: SignInContext,
  credentials: { email: string; password: string },
  client: { address: string; requestId: string },
): Promise<Static<typeof LoginResult>> {
  if (!jwtSecret) throw loginProblems.loginUnavailable();
  const wait = throttle.retryAfter(client.address);
  if (wait > 0) throw loginProblems.tooManyLoginAttempts(wait);
  // Counted as a failure before the slow password check, in the same tick as the check above,
  // and cleared on success: otherwise any number of concurrent guesses would all pass it.
  throttle.recordFailure(client.address);

  const found = await findUserForLogin(db, credentials.email);
  const passwordMatches = await verifyPassword(credentials.password, found?.passwordHash);
  if (!found || !passwordMatches || found.user.status !== 'active') {
    // Who tried which account: the email as typed, and the account when there is one.
    await recordAudit(
      db,
      { actor: credentials.email, requestId: client.requestId },
      signInEntry('login_failed', found?.user.user_id ?? null),
    );
    throw loginProblems.invalidCredentials();
  }
  throttle.recordSuccess(client.address);
  await recordAudit(db, { actor: found.user.user_id, requestId: client.requestId }, signInEntry('login', found.user.user_id));

  const { token, expiresAt } = await issueToken(jwtSecret, {
    sub: found.user.user_id,
    roles: found.user.role,
    ttlSeconds: config.tokenTtlSeconds,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
  });
  return { token, expires_at: expiresAt.toISOString(), user: found.user };
}

function signInEntry(action: 'login' | 'login_failed', userId: string | null): AuditEntry {
  return { action, entityType: 'user', entityId: userId, before: null, after: null };
}
