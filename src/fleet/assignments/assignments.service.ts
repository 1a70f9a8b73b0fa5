import type { Database } from '../../platform/db.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { AuditContext } from '../../platform/audit.ts';
import type { Cursors } from '../../platform/cursors.ts';
import { fleetProblems } from '../fleet.problems.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { findTechnician } from '../technicians/technicians.store.ts';
import { findVehicle } from '../vehicles/vehicles.store.ts';
import type { Assignment, AssignmentListQuery, CreateAssignment } from './assignments.schemas.ts';
import * as store from './assignments.store.ts';

export async function listAssignments(
  db: Database,
  cursors: Cursors,
  query: AssignmentListQuery,
): Promise<{ assignments: Assignment[]; nextCursor: string | null }> {
  const after = query.cursor === undefined ? undefined : decodeCursor(cursors, query.cursor);
  // One row more than asked tells whether another page follows.
  const limit = query.limit === undefined ? undefined : query.limit + 1;
  const rows = await store.listAssignments(db, { ...query, after, limit });
  if (query.limit === undefined || rows.length <= query.limit) return { assignments: rows, nextCursor: null };
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1]!;
  return { assignments: page, nextCursor: encodeCursor(cursors, { assignedAt: new Date(last.assignedAt), id: last.id }) };
}

export async function getAssignment(db: Database, id: number): Promise<Assignment> {
  const assignment = await store.findAssignment(db, id);
  if (!assignment) throw fleetProblems.assignmentNotFound(id);
  return assignment;
}

/**
 * 404 when either party is unknown or retired; 409 (from the partial unique indexes, through the
 * error handler) when either already holds an active assignment — also when two requests race.
 */
export function createAssignment(db: Database, input: CreateAssignment, audit: AuditContext): Promise<Assignment> {
  return db.transaction(async (tx) => {
    const id = await store.insertAssignment(tx, { ...input, notes: input.notes ?? null, assignedBy: audit.actor });
    if (id === undefined) {
      if (!(await findVehicle(tx, input.vehicleId))) throw fleetProblems.vehicleNotFound(input.vehicleId);
      if (!(await findTechnician(tx, input.technicianId))) throw fleetProblems.technicianNotFound(input.technicianId);
      // Both existed a moment ago and were retired since: the answer is still "not found".
      throw fleetProblems.vehicleNotFound(input.vehicleId);
    }
    const assignment = (await store.findAssignment(tx, id))!;
    await recordAudit(tx, audit, { action: 'assign', entityType: 'assignment', entityId: id, before: null, after: assignment });
    return assignment;
  });
}

/**
 * Of concurrent returns, the row lock lets one through; the others then read it returned: 409.
 * The locked read is also the audit's `before`.
 */
export function returnAssignment(db: Database, id: number, input: { notes?: string | null }, audit: AuditContext): Promise<Assignment> {
  return db.transaction(async (tx) => {
    const before = await store.findAssignment(tx, id, { lock: true });
    if (!before) throw fleetProblems.assignmentNotFound(id);
    if (before.status !== 'active') throw fleetProblems.assignmentAlreadyReturned(id);
    await store.markReturned(tx, id, { returnedBy: audit.actor, notes: input.notes });
    const after = (await store.findAssignment(tx, id))!;
    await recordAudit(tx, audit, { action: 'return', entityType: 'assignment', entityId: id, before, after });
    return after;
  });
}
