import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditContext } from '../../platform/audit.ts';
import type { Cursors } from '../../platform/cursors.ts';
import type { Database } from '../../platform/db.ts';
import { AssignmentHistoryQuery, AssignmentListBody } from '../assignments/assignments.schemas.ts';
import { sendJsonText } from '../../platform/routing.ts';
import { errors, noContent } from '../../platform/openapi.ts';
import { IdParams } from '../common.schemas.ts';
import { CreateVehicle, UpdateVehicle, VehicleBody, VehicleListBody, VehicleListQuery } from './vehicles.schemas.ts';
import * as service from './vehicles.service.ts';

export const vehicleRoutes: FastifyPluginAsyncTypebox<{ db: Database; cursors: Cursors }> = async (app, { db, cursors }) => {
  const tags = ['vehicles'];

  app.get(
    '/',
    {
      schema: {
        operationId: 'listVehicles',
        tags,
        summary: 'List vehicles in service, by id',
        querystring: VehicleListQuery,
        response: { 200: VehicleListBody },
      },
    },
    async (request) => ({ vehicles: await service.listVehicles(db, request.query) }),
  );

  app.post(
    '/',
    {
      schema: {
        operationId: 'createVehicle',
        tags,
        summary: 'Register a vehicle',
        body: CreateVehicle,
        response: { 201: VehicleBody, ...errors(409) },
      },
    },
    async (request, reply) => reply.code(201).send({ vehicle: await service.createVehicle(db, request.body, auditContext(request)) }),
  );

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getVehicle',
        tags,
        summary: 'Get a vehicle',
        params: IdParams,
        response: { 200: VehicleBody, ...errors(404) },
      },
    },
    async (request) => ({ vehicle: await service.getVehicle(db, request.params.id) }),
  );

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateVehicle',
        tags,
        summary: 'Change a vehicle',
        params: IdParams,
        body: UpdateVehicle,
        response: { 200: VehicleBody, ...errors(404, 409) },
      },
    },
    async (request) => ({ vehicle: await service.updateVehicle(db, request.params.id, request.body, auditContext(request)) }),
  );

  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'deleteVehicle',
        tags,
        summary: 'Delete a vehicle (retire it if it has assignment history)',
        params: IdParams,
        response: { 204: noContent('Deleted or retired'), ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      await service.removeVehicle(db, request.params.id, auditContext(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/:id/assignments',
    {
      schema: {
        operationId: 'listVehicleAssignments',
        tags,
        summary: "The vehicle's assignment history, newest first, also once retired",
        params: IdParams,
        querystring: AssignmentHistoryQuery,
        response: { 200: AssignmentListBody, ...errors(404) },
      },
    },
    async (request, reply) => sendJsonText(reply, (await service.vehicleHistory(db, cursors, request.params.id, request.query)).json),
  );
};
