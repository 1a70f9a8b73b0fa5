import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditContext } from '../../platform/audit.ts';
import type { Database } from '../../platform/db.ts';
import { errors, noContent } from '../../platform/openapi.ts';
import { Page } from '../../platform/schemas.ts';
import { CreateProject, ProjectIdParams, ProjectRef, UpdateProject } from './projects.schemas.ts';
import * as service from './projects.service.ts';

export const projectRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, { db }) => {
  const tags = ['projects'];

  app.post(
    '/',
    {
      schema: {
        operationId: 'createProject',
        tags,
        summary: 'Create a project',
        body: CreateProject,
        response: { 201: ProjectRef, ...errors(404) },
      },
    },
    async (request, reply) => reply.code(201).send(await service.createProject(db, request.body, auditContext(request))),
  );

  app.get(
    '/',
    {
      schema: {
        operationId: 'listProjects',
        tags,
        summary: 'List projects, newest first',
        querystring: Page,
        response: { 200: Type.Array(ProjectRef) },
      },
    },
    async (request) => service.listProjects(db, request.query),
  );

  app.get(
    '/:project_id',
    {
      schema: {
        operationId: 'getProject',
        tags,
        summary: 'Get a project',
        params: ProjectIdParams,
        response: { 200: ProjectRef, ...errors(404) },
      },
    },
    async (request) => service.getProject(db, request.params.project_id),
  );

  app.patch(
    '/:project_id',
    {
      schema: {
        operationId: 'updateProject',
        tags,
        summary: 'Change a project (null clears a field)',
        params: ProjectIdParams,
        body: UpdateProject,
        response: { 200: ProjectRef, ...errors(404) },
      },
    },
    async (request) => service.updateProject(db, request.params.project_id, request.body, auditContext(request)),
  );

  app.delete(
    '/:project_id',
    {
      schema: {
        operationId: 'deleteProject',
        tags,
        summary: 'Delete a project that has no assignments',
        params: ProjectIdParams,
        response: { 204: noContent('Deleted'), ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      await service.deleteProject(db, request.params.project_id, auditContext(request));
      return reply.code(204).send(null);
    },
  );
};
