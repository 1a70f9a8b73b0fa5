import type { Database } from '../../platform/db.ts';
import type { AuditContext } from '../../platform/audit.ts';
import type { Cursors } from '../../platform/cursors.ts';
import { fleetProblems } from '../fleet.problems.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { idempotencyProblems } from '../../platform/idempotency.ts';
import type { AssignmentListQuery, CreateAssignment } from './assignments.schemas.ts';
import * as store from './assignments.store.ts';

/** A page of assignments as the JSON body the API answers, and how many it holds. */
export interface AssignmentPage {
  size: number;
  json: string;
}

/** `{ assignments, nextCursor }`, around the page PostgreSQL wrote. */
export async function listAssignments(db: Database, cursors: Cursors, query: AssignmentListQuery): Promise<AssignmentPage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(cursors, query.cursor);
  const page = await store.listAssignments(db, { ...query, after });
  const nextCursor = page.next ? encodeCursor(cursors, { assignedAt: new Date(page.next.assignedAt), id: page.next.id }) : null;
  return { size: page.size, json: `{"assignments":[${page.json}],"nextCursor":${JSON.stringify(nextCursor)}}` };
}

/** The assignment's API object as JSON text. */
export async function getAssignment(db: Database, id: number): Promise<string> {
  const assignment = await store.findAssignment(db, id);
  if (assignment === undefined) throw fleetProblems.assignmentNotFound(id);
  return assignment;
}

/**
 * One statement (see store.assign): 404 when either party is unknown or retired; 409 (from the
 * partial unique indexes, through the error handler) when either already holds an active
 * assignment, also when two requests race; 409 when the request's Idempotency-Key was taken over.
 */
/** The assignment's API object as JSON text. */
export async function createAssignment(db: Database, input: CreateAssignment, audit: AuditContext): Promise<string> {
  const outcome = await store.assign(db, { ...input, notes: input.notes ?? null }, audit);
  if (outcome.assignment !== null) {
    // The statement kept the answer with the key: it is `{"assignment":<this text>}`, as the route sends it.
    if (audit.idempotencyClaim) audit.idempotencyClaim.kept = true;
    return outcome.assignment;
  }
  if (!outcome.vehicleFound) throw fleetProblems.vehicleNotFound(input.vehicleId);
  if (!outcome.technicianFound) throw fleetProblems.technicianNotFound(input.technicianId);
  throw idempotencyProblems.keyInProgress();
}

/**
 * One statement (see store.returnOne): 404 for an unknown assignment, 409 for one already
 * returned; the returned assignment's API object as JSON text.
 */
export async function returnAssignment(db: Database, id: number, input: { notes?: string | null }, audit: AuditContext): Promise<string> {
  const { found, after } = await store.returnOne(db, id, input, audit);
  if (!found) throw fleetProblems.assignmentNotFound(id);
  if (!after) throw fleetProblems.assignmentAlreadyReturned(id);
  return after;
}
