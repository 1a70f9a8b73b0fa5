import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../platform/openapi.ts';
import { Login, LoginResult } from './login.schemas.ts';
import * as service from './login.service.ts';
import type { SignInContext } from './login.service.ts';

export const loginRoutes: FastifyPluginAsyncTypebox<SignInContext> = async (app, context) => {
  app.post(
    '/login',
    {
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Sign in with email and password; returns a bearer token',
        body: Login,
        response: { 200: LoginResult, ...errors(401, 429, 503) },
      },
    },
    async (request) => service.signIn(context, request.body, { address: request.ip, requestId: String(request.id) }),
  );
};
