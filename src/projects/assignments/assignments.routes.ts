import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../platform/db.ts';

export const projectAssignmentRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async () => {};
