import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditContext } from '../platform/audit.ts';
import type { Database } from '../platform/db.ts';
import type { TokenHolders } from './login/token-holders.ts';
import { errors, noContent } from '../platform/openapi.ts';
import { Page } from '../platform/schemas.ts';
import { CreateUser, UpdateUser, UserIdParams, UserRef } from './users.schemas.ts';
import * as service from './users.service.ts';

/** A user's change takes effect on their sign-in tokens at this replica's next request. */
export const userRoutes: FastifyPluginAsyncTypebox<{ db: Database; tokenHolders: TokenHolders }> = async (app, { db, tokenHolders }) => {
  const tags = ['users'];

  app.post(
    '/',
    { schema: { operationId: 'createUser', tags, summary: 'Create a user', body: CreateUser, response: { 201: UserRef, ...errors(409) } } },
    async (request, reply) => reply.code(201).send(await service.createUser(db, request.body, auditContext(request))),
  );

  app.get(
    '/',
    {
      schema: {
        operationId: 'listUsers',
        tags,
        summary: 'List users, newest first',
        querystring: Page,
        response: { 200: Type.Array(UserRef) },
      },
    },
    async (request) => service.listUsers(db, request.query),
  );

  app.get(
    '/:user_id',
    { schema: { operationId: 'getUser', tags, summary: 'Get a user', params: UserIdParams, response: { 200: UserRef, ...errors(404) } } },
    async (request) => service.getUser(db, request.params.user_id),
  );

  app.patch(
    '/:user_id',
    {
      schema: {
        operationId: 'updateUser',
        tags,
        summary: 'Change a user',
        params: UserIdParams,
        body: UpdateUser,
        response: { 200: UserRef, ...errors(404, 409) },
      },
    },
    async (request) => {
      const user = await service.updateUser(db, request.params.user_id, request.body, auditContext(request));
      tokenHolders.forget(request.params.user_id);
      return user;
    },
  );

  app.delete(
    '/:user_id',
    {
      schema: {
        operationId: 'deleteUser',
        tags,
        summary: 'Delete a user who has no assignments and owns no project',
        params: UserIdParams,
        response: { 204: noContent('Deleted'), ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      await service.deleteUser(db, request.params.user_id, auditContext(request));
      tokenHolders.forget(request.params.user_id);
      return reply.code(204).send(null);
    },
  );
};
