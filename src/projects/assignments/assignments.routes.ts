import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditContext } from '../../platform/audit.ts';
import type { Database } from '../../platform/db.ts';
import { documentWithTrailingSlash, errors, noContent } from '../../platform/openapi.ts';
import { Page } from '../../platform/schemas.ts';
import { ProjectRef } from '../projects/projects.schemas.ts';
import {
  AssignmentIdParams,
  BulkProjectIds,
  BulkQuery,
  CreateProjectAssignment,
  OrgEmailParams,
  ProjectAssignmentRef,
  ProjectIdParams,
  UserIdParams,
} from './assignments.schemas.ts';
import * as service from './assignments.service.ts';

export const projectAssignmentRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, { db }) => {
  const tags = ['project-assignments'];

  // The paths of the assignment API are documented exactly as published, trailing slash included.
  app.post(
    '/',
    {
      config: documentWithTrailingSlash,
      schema: {
        operationId: 'createProjectAssignment',
        tags,
        summary: "Assign a user to a project: one Dev (of the owner's organization) and one Employee per project",
        body: CreateProjectAssignment,
        response: { 201: ProjectAssignmentRef, ...errors(403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await service.createAssignment(db, request.body, auditContext(request))),
  );

  app.post(
    '/bulk',
    {
      schema: {
        operationId: 'bulkCreateProjectAssignments',
        tags,
        summary: 'Assign a Dev user to many projects; skips those already assigned or with a Dev; returns those created',
        querystring: BulkQuery,
        body: BulkProjectIds,
        response: { 200: Type.Array(ProjectAssignmentRef), ...errors(403, 404) },
      },
    },
    async (request) => service.createBulkAssignments(db, request.query.user_id, request.body, auditContext(request)),
  );

  app.get(
    '/projects-by-org-email/:org_email',
    {
      schema: {
        operationId: 'listProjectsByOrgEmail',
        tags,
        summary: "Projects whose owner's email has the same domain as this email, newest first",
        params: OrgEmailParams,
        querystring: Page,
        response: { 200: Type.Array(ProjectRef) },
      },
    },
    async (request) => service.projectsByOrgEmail(db, request.params.org_email, request.query),
  );

  app.get(
    '/project/:project_id',
    {
      schema: {
        operationId: 'listProjectAssignmentsOfProject',
        tags,
        summary: 'Assignments of a project, newest first',
        params: ProjectIdParams,
        querystring: Page,
        response: { 200: Type.Array(ProjectAssignmentRef), ...errors(404) },
      },
    },
    async (request) => service.listAssignmentsOfProject(db, request.params.project_id, request.query),
  );

  app.get(
    '/',
    {
      config: documentWithTrailingSlash,
      schema: {
        operationId: 'listProjectAssignments',
        tags,
        summary: 'List assignments, newest first',
        querystring: Page,
        response: { 200: Type.Array(ProjectAssignmentRef) },
      },
    },
    async (request) => service.listAssignments(db, request.query),
  );

  app.get(
    '/user/:user_id',
    {
      schema: {
        operationId: 'listProjectAssignmentsOfUser',
        tags,
        summary: 'Assignments of a user, newest first',
        params: UserIdParams,
        querystring: Page,
        response: { 200: Type.Array(ProjectAssignmentRef), ...errors(404) },
      },
    },
    async (request) => service.listAssignmentsOfUser(db, request.params.user_id, request.query),
  );

  app.get(
    '/:assignment_id',
    {
      schema: {
        operationId: 'getProjectAssignment',
        tags,
        summary: 'Get an assignment',
        params: AssignmentIdParams,
        response: { 200: ProjectAssignmentRef, ...errors(404) },
      },
    },
    async (request) => service.getAssignment(db, request.params.assignment_id),
  );

  app.delete(
    '/:assignment_id',
    {
      schema: {
        operationId: 'deleteProjectAssignment',
        tags,
        summary: 'Delete an assignment',
        params: AssignmentIdParams,
        response: { 204: noContent('Deleted'), ...errors(404) },
      },
    },
    async (request, reply) => {
      await service.deleteAssignment(db, request.params.assignment_id, auditContext(request));
      return reply.code(204).send(null);
    },
  );
};
