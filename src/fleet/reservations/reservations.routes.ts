import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditContext } from '../../platform/audit.ts';
import type { Database } from '../../platform/db.ts';
import { errors, noContent } from '../../platform/openapi.ts';
import { sendJsonText } from '../../platform/routing.ts';
import { AssignmentBody } from '../assignments/assignments.schemas.ts';
import { IdParams } from '../common.schemas.ts';
import { CreateReservation, ReservationBody, ReservationListBody, ReservationListQuery } from './reservations.schemas.ts';
import * as service from './reservations.service.ts';

export const reservationRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, { db }) => {
  const tags = ['reservations'];

  app.get(
    '/',
    {
      schema: {
        operationId: 'listReservations',
        tags,
        summary: 'List reservations by startsAt; from/to keep those overlapping that window',
        querystring: ReservationListQuery,
        response: { 200: ReservationListBody },
      },
    },
    async (request, reply) => sendJsonText(reply, await service.listReservations(db, request.query)),
  );

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getReservation',
        tags,
        summary: 'Get a reservation, cancelled ones included',
        params: IdParams,
        response: { 200: ReservationBody, ...errors(404) },
      },
    },
    async (request, reply) => sendJsonText(reply, `{"reservation":${await service.getReservation(db, request.params.id)}}`),
  );

  app.post(
    '/',
    {
      schema: {
        operationId: 'createReservation',
        tags,
        summary: 'Book a vehicle for a technician over [startsAt, endsAt); refused when either has an overlapping booking',
        body: CreateReservation,
        response: { 201: ReservationBody, ...errors(404, 409) },
      },
    },
    async (request, reply) =>
      sendJsonText(reply.code(201), `{"reservation":${await service.createReservation(db, request.body, auditContext(request))}}`),
  );

  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'cancelReservation',
        tags,
        summary: 'Cancel a booking: it stays readable and no longer blocks its hours',
        params: IdParams,
        response: { 204: noContent('Cancelled, or already cancelled'), ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      await service.cancelReservation(db, request.params.id, auditContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/start',
    {
      schema: {
        operationId: 'startReservation',
        tags,
        summary: "Hand the booked vehicle over: an assignment due back at the reservation's endsAt",
        params: IdParams,
        response: { 201: AssignmentBody, ...errors(404, 409) },
      },
    },
    async (request, reply) =>
      sendJsonText(reply.code(201), `{"assignment":${await service.startReservation(db, request.params.id, auditContext(request))}}`),
  );
};
