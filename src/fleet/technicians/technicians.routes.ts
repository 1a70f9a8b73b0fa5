import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditContext } from '../../platform/audit.ts';
import type { Cursors } from '../../platform/cursors.ts';
import type { Database } from '../../platform/db.ts';
import { AssignmentHistoryQuery, AssignmentListBody } from '../assignments/assignments.schemas.ts';
import { sendJsonText } from '../../platform/routing.ts';
import { errors, noContent } from '../../platform/openapi.ts';
import { IdParams } from '../common.schemas.ts';
import { CreateTechnician, UpdateTechnician, TechnicianBody, TechnicianListBody, TechnicianListQuery } from './technicians.schemas.ts';
import * as service from './technicians.service.ts';

export const technicianRoutes: FastifyPluginAsyncTypebox<{ db: Database; cursors: Cursors }> = async (app, { db, cursors }) => {
  const tags = ['technicians'];

  app.get(
    '/',
    {
      schema: {
        operationId: 'listTechnicians',
        tags,
        summary: 'List technicians in service, by id',
        querystring: TechnicianListQuery,
        response: { 200: TechnicianListBody },
      },
    },
    async (request) => ({ technicians: await service.listTechnicians(db, request.query) }),
  );

  app.post(
    '/',
    {
      schema: {
        operationId: 'createTechnician',
        tags,
        summary: 'Register a technician',
        body: CreateTechnician,
        response: { 201: TechnicianBody, ...errors(409) },
      },
    },
    async (request, reply) => reply.code(201).send({ technician: await service.createTechnician(db, request.body, auditContext(request)) }),
  );

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getTechnician',
        tags,
        summary: 'Get a technician',
        params: IdParams,
        response: { 200: TechnicianBody, ...errors(404) },
      },
    },
    async (request) => ({ technician: await service.getTechnician(db, request.params.id) }),
  );

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateTechnician',
        tags,
        summary: 'Change a technician',
        params: IdParams,
        body: UpdateTechnician,
        response: { 200: TechnicianBody, ...errors(404, 409) },
      },
    },
    async (request) => ({ technician: await service.updateTechnician(db, request.params.id, request.body, auditContext(request)) }),
  );

  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'deleteTechnician',
        tags,
        summary: 'Delete a technician (retire them if they have assignment history)',
        params: IdParams,
        response: { 204: noContent('Deleted or retired'), ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      await service.removeTechnician(db, request.params.id, auditContext(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/:id/assignments',
    {
      schema: {
        operationId: 'listTechnicianAssignments',
        tags,
        summary: "The technician's assignment history, newest first, also once retired",
        params: IdParams,
        querystring: AssignmentHistoryQuery,
        response: { 200: AssignmentListBody, ...errors(404) },
      },
    },
    async (request, reply) => sendJsonText(reply, (await service.technicianHistory(db, cursors, request.params.id, request.query)).json),
  );
};
