import type { Static } from 'typebox';
import type { Config } from '../../config.ts';
import { issueToken } from '../../platform/auth.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { AuditEntry } from '../../platform/audit.ts';
import type { Database } from '../../platform/db.ts';
import { Problem } from '../../platform/problems.ts';
import { countAttempt, forgiveAttempt, rememberAddress } from './login-throttle.ts';
import type { SignInAttempt } from './login-throttle.ts';
import { loginProblems } from './login.problems.ts';
import type { LoginResult } from './login.schemas.ts';
import { findUserForLogin, replacePasswordHash } from './login.store.ts';
import { hashPassword, needsRehash, verifyPassword } from './passwords.ts';

export interface SignInContext {
  db: Database;
  /** The HS256 key tokens are issued with; undefined when the server accepts only JWKS tokens. */
  jwtSecret: string | undefined;
  config: Pick<Config, 'tokenTtlSeconds' | 'jwtIssuer' | 'jwtAudience'>;
}

/**
 * In order: a server that issues no tokens says so (503); a client or an account past its failure
 * limit waits (429, see login-throttle.ts); an unknown email, a wrong password, a user without
 * password and an inactive user all get the one 401, after the same amount of work, so that
 * nothing can be enumerated. The token names the user and the version of their password it was
 * issued under, so it stops working when either changes.
 */
export async function signIn(
  { db, jwtSecret, config }: SignInContext,
  credentials: { email: string; password: string },
  client: { address: string; requestId: string },
): Promise<Static<typeof LoginResult>> {
  if (!jwtSecret) throw loginProblems.loginUnavailable();
  const attempt: SignInAttempt = { email: credentials.email, address: client.address };
  const decision = await countAttempt(db, attempt);
  if (!decision.allowed) {
    // Refused unchecked, it guessed nothing: it must not push its other key (the address of a
    // whole office, say) towards the limit.
    await forgiveAttempt(db, attempt);
    throw loginProblems.tooManyLoginAttempts(decision.retryAfterSeconds, decision.reason);
  }

  const found = await findUserForLogin(db, credentials.email);
  let passwordMatches: boolean;
  try {
    passwordMatches = await verifyPassword(credentials.password, found?.passwordHash);
  } catch (error) {
    // Refused before its password was checked (too many checks at once): not a failure.
    if (error instanceof Problem) await forgiveAttempt(db, attempt);
    throw error;
  }
  if (!found || !passwordMatches || found.user.status !== 'active') {
    // Who tried which account: the email as typed, and the account when there is one.
    await recordAudit(
      db,
      { actor: credentials.email, requestId: client.requestId },
      signInEntry('login_failed', found?.user.user_id ?? null),
    );
    throw loginProblems.invalidCredentials();
  }
  await forgiveAttempt(db, attempt);
  await rememberAddress(db, found.user.user_id, attempt);
  if (needsRehash(found.passwordHash!)) {
    // Best effort: with every hashing slot busy it waits for the next sign-in, which still succeeds.
    const rehashed = await hashPassword(credentials.password).catch((error: unknown) => {
      if (error instanceof Problem) return undefined;
      throw error;
    });
    if (rehashed) await replacePasswordHash(db, found.user.user_id, found.passwordHash!, rehashed);
  }
  await recordAudit(db, { actor: found.user.user_id, requestId: client.requestId }, signInEntry('login', found.user.user_id));

  const { token, expiresAt } = await issueToken(jwtSecret, {
    sub: found.user.user_id,
    roles: found.user.role,
    tokenVersion: found.tokenVersion,
    ttlSeconds: config.tokenTtlSeconds,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
  });
  return { token, expires_at: expiresAt.toISOString(), user: found.user };
}

function signInEntry(action: 'login' | 'login_failed', userId: string | null): AuditEntry {
  return { action, entityType: 'user', entityId: userId, before: null, after: null };
}
