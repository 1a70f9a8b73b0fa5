import { BEARER_CHALLENGE, Problem } from '../../platform/problems.ts';

const TOO_MANY_FAILURES = {
  address: 'too many failed sign-ins from this client',
  account: 'too many failed sign-ins for this account from addresses it has not signed in from',
} as const;

export const loginProblems = {
  invalidCredentials: () => new Problem(401, 'invalid-credentials', 'the email or the password is wrong', BEARER_CHALLENGE),
  tooManyLoginAttempts: (retryAfterSeconds: number, reason: keyof typeof TOO_MANY_FAILURES) =>
    new Problem(429, 'too-many-login-attempts', `${TOO_MANY_FAILURES[reason]}; try again in ${retryAfterSeconds} s`, {
      'retry-after': String(retryAfterSeconds),
    }),
  passwordHashingBusy: () =>
    new Problem(503, 'password-checks-busy', 'too many passwords are being checked at this moment; try again in a second', {
      'retry-after': '1',
    }),
  loginUnavailable: () =>
    new Problem(503, 'login-unavailable', 'this server only accepts tokens from its identity provider (JWKS_URL); it issues none'),
} as const;
