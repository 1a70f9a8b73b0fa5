import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditContext } from '../../platform/audit.ts';
import type { Cursors } from '../../platform/cursors.ts';
import type { Database } from '../../platform/db.ts';
import { sendJsonText } from '../../platform/routing.ts';
import { errors } from '../../platform/openapi.ts';
import { bodyDefaultsToEmpty } from '../../platform/validation.ts';
import { IdParams } from '../common.schemas.ts';
import {
  AssignmentBody,
  AssignmentExportQuery,
  AssignmentListBody,
  AssignmentListQuery,
  AssignmentsBody,
  BulkReturn,
  CreateAssignment,
  ReturnAssignment,
  TransferAssignment,
  TransferBody,
  UpdateAssignment,
} from './assignments.schemas.ts';
import * as service from './assignments.service.ts';

export const assignmentRoutes: FastifyPluginAsyncTypebox<{ db: Database; cursors: Cursors }> = async (app, { db, cursors }) => {
  const tags = ['assignments'];

  app.get(
    '/',
    {
      schema: {
        operationId: 'listFleetAssignments',
        tags,
        summary: 'List assignments, newest assignedAt first (the overdue ones: most overdue first), each with its vehicle and technician',
        querystring: AssignmentListQuery,
        response: { 200: AssignmentListBody },
      },
    },
    async (request, reply) => sendJsonText(reply, (await service.listAssignments(db, cursors, request.query)).json),
  );

  app.get(
    '/export.csv',
    {
      schema: {
        operationId: 'exportFleetAssignments',
        tags,
        summary: 'The assignments the list would give, as CSV (a header row, then one line per assignment), streamed',
        description:
          'Columns: id, plate number, technician name, technician email, assigned at, returned at, start odometer, ' +
          'end odometer, assigned by, returned by, notes. Text fields are quoted; one that starts with =, +, -, @, a tab ' +
          'or a carriage return gets a leading apostrophe so that a spreadsheet does not run it as a formula.',
        querystring: AssignmentExportQuery,
        response: {
          200: { description: 'The CSV file', content: { 'text/csv': { schema: Type.String() } } },
          ...errors(503),
        },
      },
      exposeHeadRoute: false,
    },
    async (request, reply) => {
      const csv = await service.exportAssignments(db, request.query);
      // The document gives the CSV's text; Fastify sends the stream that writes it.
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="assignments.csv"')
        .send(csv as unknown as string);
    },
  );

  // HEAD answers the export's headers without running it (the route Fastify would add runs it whole).
  app.head('/export.csv', { schema: { hide: true, querystring: AssignmentExportQuery } }, async (request, reply) => {
    service.assignmentFilter(request.query);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="assignments.csv"').send();
  });

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getFleetAssignment',
        tags,
        summary: 'Get an assignment',
        params: IdParams,
        response: { 200: AssignmentBody, ...errors(404) },
      },
    },
    async (request, reply) => sendJsonText(reply, `{"assignment":${await service.getAssignment(db, request.params.id)}}`),
  );

  app.post(
    '/',
    {
      schema: {
        operationId: 'createFleetAssignment',
        tags,
        summary: 'Assign a vehicle to a technician; both must be free of any active assignment',
        body: CreateAssignment,
        response: { 201: AssignmentBody, ...errors(404, 409) },
      },
    },
    async (request, reply) =>
      sendJsonText(reply.code(201), `{"assignment":${await service.createAssignment(db, request.body, auditContext(request))}}`),
  );

  app.patch(
    '/:id/return',
    {
      schema: {
        operationId: 'returnFleetAssignment',
        tags,
        summary: 'Mark an assignment returned, releasing the vehicle and the technician',
        params: IdParams,
        body: ReturnAssignment,
        response: { 200: AssignmentBody, ...errors(404, 409) },
      },
      preValidation: bodyDefaultsToEmpty,
    },
    async (request, reply) =>
      sendJsonText(reply, `{"assignment":${await service.returnAssignment(db, request.params.id, request.body, auditContext(request))}}`),
  );

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateFleetAssignment',
        tags,
        summary: "Change an active assignment's due date or notes",
        params: IdParams,
        body: UpdateAssignment,
        response: { 200: AssignmentBody, ...errors(404, 409) },
      },
    },
    async (request, reply) =>
      sendJsonText(reply, `{"assignment":${await service.updateAssignment(db, request.params.id, request.body, auditContext(request))}}`),
  );

  app.post(
    '/:id/transfer',
    {
      schema: {
        operationId: 'transferFleetAssignment',
        tags,
        summary:
          'Return the assignment and, at the same instant, assign its vehicle to another technician or its technician another vehicle',
        params: IdParams,
        body: TransferAssignment,
        response: { 201: TransferBody, ...errors(404, 409) },
      },
    },
    async (request, reply) =>
      sendJsonText(reply.code(201), await service.transferAssignment(db, request.params.id, request.body, auditContext(request))),
  );

  app.post(
    '/return',
    {
      schema: {
        operationId: 'returnFleetAssignments',
        tags,
        summary: 'Return several active assignments at once: all of them, or none when one is unknown or already returned',
        body: BulkReturn,
        response: { 200: AssignmentsBody, ...errors(404, 409) },
      },
    },
    async (request, reply) => sendJsonText(reply, await service.returnAssignments(db, request.body, auditContext(request))),
  );
};
