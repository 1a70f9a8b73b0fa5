import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config.ts';
import { issueToken } from '../platform/auth.ts';
import type { Database } from '../platform/db.ts';
import { errors } from '../platform/openapi.ts';
import { problems } from '../platform/problems.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { verifyPassword } from './passwords.ts';
import { Login, LoginResult } from './users.schemas.ts';
import { findUserForLogin } from './users.store.ts';

interface LoginOptions {
  db: Database;
  jwtSecret: string | undefined;
  config: Config;
  throttle: LoginThrottle;
}

export const loginRoutes: FastifyPluginAsyncTypebox<LoginOptions> = async (app, { db, jwtSecret, config, throttle }) => {
  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; returns a bearer token',
        body: Login,
        response: { 200: LoginResult, ...errors(401, 429, 503) },
      },
    },
    async (request) => {
      if (!jwtSecret) throw problems.loginUnavailable();
      const wait = throttle.retryAfter(request.ip);
      if (wait > 0) throw problems.tooManyLoginAttempts(wait);
      // Counted as a failure before the slow password check, in the same tick as the check above,
      // and cleared on success: otherwise any number of concurrent guesses would all pass it.
      throttle.recordFailure(request.ip);

      const found = await findUserForLogin(db, request.body.email);
      const passwordMatches = await verifyPassword(request.body.password, found?.passwordHash);
      // One answer for an unknown email, a wrong password and an inactive user: nothing to enumerate.
      if (!found || !passwordMatches || found.user.status !== 'active') throw problems.invalidCredentials();
      throttle.recordSuccess(request.ip);

      const { token, expiresAt } = await issueToken(jwtSecret, {
        sub: found.user.user_id,
        roles: found.user.role,
        ttlSeconds: config.tokenTtlSeconds,
        issuer: config.jwtIssuer,
        audience: config.jwtAudience,
      });
      return { token, expires_at: expiresAt.toISOString(), user: found.user };
    },
  );
};
