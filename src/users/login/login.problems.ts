import { BEARER_CHALLENGE, Problem } from '../../platform/problems.ts';

export const loginProblems = {
  invalidCredentials: () => new Problem(401, 'invalid-credentials', 'the email or the password is wrong', BEARER_CHALLENGE),
  tooManyLoginAttempts: (retryAfterSeconds: number) =>
    new Problem(429, 'too-many-login-attempts', `too many failed sign-ins from this client; try again in ${retryAfterSeconds} s`, {
      'retry-after': String(retryAfterSeconds),
    }),
  loginUnavailable: () =>
    new Problem(503, 'login-unavailable', 'this server only accepts tokens from its identity provider (JWKS_URL); it issues none'),
} as const;
