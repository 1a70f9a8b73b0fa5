import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Cursors } from '../platform/cursors.ts';
import type { Database } from '../platform/db.ts';
import { AuditLogBody, AuditLogQuery } from './audit.schemas.ts';
import * as service from './audit.service.ts';

export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Database; cursors: Cursors }> = async (app, { db, cursors }) => {
  app.get(
    '/',
    {
      schema: {
        operationId: 'listAuditLog',
        tags: ['audit'],
        summary: 'Every change, newest first, filtered by entity, actor or action',
        querystring: AuditLogQuery,
        response: { 200: AuditLogBody },
      },
    },
    async (request) => service.listAuditLog(db, cursors, request.query),
  );
};
