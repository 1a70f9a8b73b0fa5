import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { Database } from '../../platform/db.ts';
import type { AuditContext } from '../../platform/audit.ts';
import type { Cursors } from '../../platform/cursors.ts';
import { fleetProblems } from '../fleet.problems.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { instant, timeWindow } from '../instants.ts';
import { idempotencyProblems } from '../../platform/idempotency.ts';
import { recordAudit } from '../../platform/audit.ts';
import type {
  AssignmentExportQuery,
  AssignmentListQuery,
  BulkReturn,
  CreateAssignment,
  TransferAssignment,
  UpdateAssignment,
} from './assignments.schemas.ts';
import * as store from './assignments.store.ts';
import type { AssignmentFilter } from './assignments.store.ts';

/** A page of assignments as the JSON body the API answers, and how many it holds. */
export interface AssignmentPage {
  size: number;
  json: string;
}

/** The list's filters as the store takes them; 400 for a time window that holds no instant. */
export function assignmentFilter(query: Omit<AssignmentListQuery, 'cursor' | 'limit'>): Omit<AssignmentFilter, 'after' | 'limit'> {
  const { assignedFrom, assignedTo, returnedFrom, returnedTo, ...rest } = query;
  const assigned = timeWindow({ name: 'assignedFrom', value: assignedFrom }, { name: 'assignedTo', value: assignedTo });
  const returned = timeWindow({ name: 'returnedFrom', value: returnedFrom }, { name: 'returnedTo', value: returnedTo });
  return { ...rest, assignedFrom: assigned.from, assignedTo: assigned.to, returnedFrom: returned.from, returnedTo: returned.to };
}

/** `{ assignments, nextCursor }`, around the page PostgreSQL wrote. */
export async function listAssignments(db: Database, cursors: Cursors, query: AssignmentListQuery): Promise<AssignmentPage> {
  const { cursor, limit, ...filters } = query;
  const filter = assignmentFilter(filters);
  const order = store.listOrder(filter);
  const after = cursor === undefined ? undefined : decodeCursor(cursors, cursor, order);
  const page = await store.listAssignments(db, { ...filter, limit, after });
  const nextCursor = page.next ? encodeCursor(cursors, { at: new Date(page.next.at), id: page.next.id }, order) : null;
  return { size: page.size, json: `{"assignments":[${page.json}],"nextCursor":${JSON.stringify(nextCursor)}}` };
}

/** The assignment's API object as JSON text. */
export async function getAssignment(db: Database, id: number): Promise<string> {
  const assignment = await store.findAssignment(db, id);
  if (assignment === undefined) throw fleetProblems.assignmentNotFound(id);
  return assignment;
}

/** A due date must lie ahead: 400 otherwise. */
export function dueDate(value: string | null | undefined): Date | null {
  if (value === undefined || value === null) return null;
  const at = instant(value, 'expectedReturnAt');
  if (at.getTime() <= Date.now()) throw fleetProblems.dueDateNotAhead();
  return at;
}

/**
 * One statement (see store.assign): 404 when either party is unknown or retired; 400 for a start
 * reading below the vehicle's odometer; 409 (from the partial unique indexes, through the error
 * handler) when either already holds an active assignment, also when two requests race; 409 when
 * the request's Idempotency-Key was taken over. The assignment's API object as JSON text.
 */
export async function createAssignment(db: Database, input: CreateAssignment, audit: AuditContext): Promise<string> {
  const outcome = await store.assign(
    db,
    {
      vehicleId: input.vehicleId,
      technicianId: input.technicianId,
      notes: input.notes ?? null,
      expectedReturnAt: dueDate(input.expectedReturnAt),
      startOdometer: input.startOdometer ?? null,
    },
    audit,
  );
  if (outcome.assignment !== null) {
    // The statement kept the answer with the key: it is `{"assignment":<this text>}`, as the route sends it.
    if (audit.idempotencyClaim) audit.idempotencyClaim.kept = true;
    return outcome.assignment;
  }
  if (!outcome.vehicleFound) throw fleetProblems.vehicleNotFound(input.vehicleId);
  if (!outcome.technicianFound) throw fleetProblems.technicianNotFound(input.technicianId);
  if (outcome.odometerAhead !== null) throw fleetProblems.odometerBackwards(input.startOdometer, outcome.odometerAhead);
  throw idempotencyProblems.keyInProgress();
}

/**
 * One statement (see store.returnOne): 404 for an unknown assignment, 409 for one already
 * returned, 400 for an end reading below the vehicle's odometer; the returned assignment's API
 * object as JSON text.
 */
export async function returnAssignment(
  db: Database,
  id: number,
  input: { notes?: string | null; endOdometer?: number },
  audit: AuditContext,
): Promise<string> {
  const { found, odometerAhead, after } = await store.returnOne(db, id, input, audit);
  if (!found) throw fleetProblems.assignmentNotFound(id);
  if (odometerAhead !== null) throw fleetProblems.odometerBackwards(input.endOdometer, odometerAhead);
  if (!after) throw fleetProblems.assignmentAlreadyReturned(id);
  return after;
}

/** Due date and notes of an active assignment: 404 unknown, 409 returned, 400 a due date not ahead. */
export async function updateAssignment(db: Database, id: number, changes: UpdateAssignment, audit: AuditContext): Promise<string> {
  const { expectedReturnAt, notes } = changes;
  const { found, after } = await store.updateAssignment(
    db,
    id,
    { expectedReturnAt: expectedReturnAt === undefined ? undefined : dueDate(expectedReturnAt), notes },
    audit,
  );
  if (!found) throw fleetProblems.assignmentNotFound(id);
  if (!after) throw fleetProblems.assignmentAlreadyReturned(id);
  return after;
}

/**
 * In one transaction: the assignment is returned and a new one made for the other party, at the
 * same instant; the new one keeps the due date. 404 for an unknown assignment or party, 409 when
 * the assignment is not active or the other party is busy (the partial unique indexes, which roll
 * the whole transfer back). `{ assignment, previous }` as JSON text.
 */
export function transferAssignment(db: Database, id: number, to: TransferAssignment, audit: AuditContext): Promise<string> {
  return db.transaction(async (tx) => {
    const [held] = await store.lockAssignments(tx, [id]);
    if (!held) throw fleetProblems.assignmentNotFound(id);
    if (held.status !== 'active') throw fleetProblems.assignmentAlreadyReturned(id);
    const before = (await store.assignmentsJson(tx, [id])).get(id)!;
    const next = { vehicleId: held.vehicleId, technicianId: held.technicianId, expectedReturnAt: held.expectedReturnAt };
    // Handing it to the party that holds it would only split its history: that party is busy (409).
    if ('technicianId' in to) {
      if (!(await store.partyInService(tx, 'technician', to.technicianId))) throw fleetProblems.technicianNotFound(to.technicianId);
      if (to.technicianId === held.technicianId) throw fleetProblems.technicianBusy(to.technicianId);
      next.technicianId = to.technicianId;
    } else {
      if (!(await store.partyInService(tx, 'vehicle', to.vehicleId))) throw fleetProblems.vehicleNotFound(to.vehicleId);
      if (to.vehicleId === held.vehicleId) throw fleetProblems.vehicleBusy(to.vehicleId);
      next.vehicleId = to.vehicleId;
    }
    await store.markReturned(tx, [id], audit.actor);
    const newId = await store.insertAssignment(tx, next, audit.actor);
    const after = await store.assignmentsJson(tx, [id, newId]);
    const [previous, assignment] = [after.get(id)!, after.get(newId)!];
    await recordAudit(
      tx,
      audit,
      { action: 'transfer', entityType: 'assignment', entityId: id, before: JSON.parse(before), after: JSON.parse(previous) },
      { action: 'transfer', entityType: 'assignment', entityId: newId, before: null, after: JSON.parse(assignment) },
    );
    return `{"assignment":${assignment},"previous":${previous}}`;
  });
}

/**
 * All or nothing, in one transaction: 404 naming every unknown id, 409 naming every one already
 * returned; otherwise each is returned and audited. The assignments in the order of `ids`.
 */
export function returnAssignments(db: Database, input: BulkReturn, audit: AuditContext): Promise<string> {
  return db.transaction(async (tx) => {
    const held = await store.lockAssignments(tx, input.ids);
    const found = new Set(held.map((row) => row.id));
    const missing = input.ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw fleetProblems.assignmentsNotFound(missing);
    const returned = held.filter((row) => row.status !== 'active').map((row) => row.id);
    if (returned.length > 0) throw fleetProblems.assignmentsAlreadyReturned(returned);
    const before = await store.assignmentsJson(tx, input.ids);
    await store.markReturned(tx, input.ids, audit.actor, input.notes);
    const after = await store.assignmentsJson(tx, input.ids);
    await recordAudit(
      tx,
      audit,
      ...input.ids.map((id) => ({
        action: 'return' as const,
        entityType: 'assignment' as const,
        entityId: id,
        before: JSON.parse(before.get(id)!) as unknown,
        after: JSON.parse(after.get(id)!) as unknown,
      })),
    );
    return `{"assignments":[${input.ids.map((id) => after.get(id)!).join(',')}]}`;
  });
}

/** How long the export waits for a client that stopped reading before it gives up (and the transaction ends). */
const EXPORT_STALL_MS = 60_000;
/** The longest an export may hold its connection and snapshot, however steadily the client reads. */
const EXPORT_DEADLINE_MS = 15 * 60_000;
/** Exports at once per process: each holds a pool connection for as long as its client reads. */
export const EXPORTS_AT_ONCE = 2;
let exportsRunning = 0;

/**
 * The matching assignments as CSV, in the list's order, read through a database cursor a batch at
 * a time and written as the client reads: memory stays flat however many rows match. The first
 * batch is read before the answer starts, so that a database error is still a problem response;
 * a failure after that cuts the download short (no final line break, and the connection closes).
 * At most EXPORTS_AT_ONCE run in a process (503 beyond), each for at most EXPORT_DEADLINE_MS.
 */
export function exportAssignments(db: Database, query: AssignmentExportQuery): Promise<Readable> {
  const filter = assignmentFilter(query);
  if (exportsRunning >= EXPORTS_AT_ONCE) throw fleetProblems.exportsBusy();
  exportsRunning++;
  return new Promise((resolve, reject) => {
    let csv: PassThrough | undefined;
    const deadline = setTimeout(() => csv?.destroy(new Error('the export ran past its deadline')), EXPORT_DEADLINE_MS);
    db.transaction(
      async (tx) => {
        await tx.execute(sql`select set_config('idle_in_transaction_session_timeout', ${String(EXPORT_STALL_MS)}, true)`);
        await store.declareExport(tx, filter);
        let batch = await store.fetchExportLines(tx);
        csv = new PassThrough();
        resolve(csv);
        let open = await write(csv, `${store.EXPORT_HEADER}\r\n${batch.text}`);
        while (open && batch.count === store.EXPORT_BATCH) {
          batch = await store.fetchExportLines(tx);
          open = await write(csv, batch.text);
        }
        return open;
      },
      { accessMode: 'read only' },
    )
      .then(
        // Ended only once the transaction committed, so that a failed commit cannot pass for a whole file.
        (open) => {
          if (open) csv!.end();
        },
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          if (csv) csv.destroy(failure);
          else reject(failure);
        },
      )
      .finally(() => {
        clearTimeout(deadline);
        exportsRunning--;
      });
  });
}

/** Writes and waits while the client is behind; false once the client went away. */
async function write(stream: PassThrough, text: string): Promise<boolean> {
  if (stream.destroyed) return false;
  if (text === '' || stream.write(text)) return true;
  await new Promise<void>((resume) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resume();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
  return !stream.destroyed;
}
