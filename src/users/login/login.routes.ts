import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../platform/openapi.ts';
import { purgeLoginThrottle } from './login-throttle.ts';
import { Login, LoginResult } from './login.schemas.ts';
import * as service from './login.service.ts';
import type { SignInContext } from './login.service.ts';

const PURGE_EVERY_MS = 10 * 60_000;

export const loginRoutes: FastifyPluginAsyncTypebox<SignInContext> = async (app, context) => {
  app.post(
    '/login',
    {
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Sign in with email and password; returns a bearer token',
        description:
          'Failed sign-ins are limited per client address and per account (429 with Retry-After); ' +
          'the token stops working once its user is made inactive, loses the Admin role (403), is deleted, or their password changes.',
        body: Login,
        response: { 200: LoginResult, ...errors(401, 429, 503) },
      },
    },
    async (request) => service.signIn(context, request.body, { address: request.ip, requestId: String(request.id) }),
  );

  // Counts whose window has passed are dead weight: every replica deletes them now and then.
  let purging: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    purging = setInterval(() => {
      purgeLoginThrottle(context.db).catch((error: unknown) => app.log.warn({ err: error }, 'could not purge old sign-in failures'));
    }, PURGE_EVERY_MS);
    purging.unref();
  });
  app.addHook('onClose', async () => clearInterval(purging));
};
