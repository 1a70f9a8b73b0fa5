import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { auditEntries, keptAnswer, keyFence } from '../../platform/audit.ts';
import type { AuditContext } from '../../platform/audit.ts';
import { queryRows } from '../../platform/db.ts';
import type { Executor } from '../../platform/db.ts';
import type { ListOrder } from '../cursor.ts';
import { iso, technicianObject, TECHNICIAN_ACTIVE_NOW, vehicleObject, VEHICLE_ACTIVE_NOW } from '../api-objects.ts';

export interface AssignmentFilter {
  status?: 'active' | 'returned';
  vehicleId?: number;
  technicianId?: number;
  /** true: only the overdue, most overdue first; false: only those not overdue. */
  overdue?: boolean;
  /** Half-open windows: from inclusive, to exclusive. */
  assignedFrom?: Date;
  assignedTo?: Date;
  returnedFrom?: Date;
  returnedTo?: Date;
  /** Only assignments after this position in the list's order (see listOrder). */
  after?: Position;
  /** At most this many; all when absent. */
  limit?: number;
}

/**
 * Where a page ends in the list's order: newest assignedAt first, or, for the overdue list, the
 * earliest expectedReturnAt (the most overdue) first; `at` is that timestamp.
 */
export interface Position {
  at: Date;
  id: number;
}

/** The overdue list is ordered by due date; every other list by assignedAt, newest first. */
export function listOrder(filter: { overdue?: boolean }): ListOrder {
  return filter.overdue === true ? 'due' : 'assigned';
}

/**
 * The API object of the assignment `a`, its vehicle `ve` and technician `te`, built by
 * PostgreSQL, the one place it is defined: what every answer and every audit entry carries. The
 * two SQL expressions say which assignment each party holds once the statement is done.
 */
function assignmentJson(vehicleActive: string, technicianActive: string): SQL {
  // to_json of a row: compact, and its keys in the order of the columns, as the document lists them.
  return sql.raw(`(select to_json(x) from (select
    a.id as "id", a.vehicle_id as "vehicleId", a.technician_id as "technicianId", a.status as "status",
    ${iso('a.assigned_at')} as "assignedAt", ${iso('a.returned_at')} as "returnedAt",
    a.assigned_by as "assignedBy", a.returned_by as "returnedBy", a.notes as "notes",
    ${iso('a.expected_return_at')} as "expectedReturnAt",
    coalesce(a.status = 'active' and a.expected_return_at < now(), false) as "overdue",
    a.start_odometer as "startOdometer", a.end_odometer as "endOdometer",
    a.end_odometer - a.start_odometer as "distance",
    ${vehicleObject(vehicleActive)} as "vehicle",
    ${technicianObject(technicianActive)} as "technician") x)`);
}

/** A page of assignments as PostgreSQL wrote it, and where the page after it starts. */
export interface AssignmentRows {
  /** The API objects of the page's assignments, in the list's order, joined by commas. */
  json: string;
  size: number;
  /** The page's last assignment when another page follows; null when this page is the last. */
  next: { id: number; at: string } | null;
}

const OVERDUE = `a.status = 'active' and a.expected_return_at < now()`;

/** The list's filters as SQL conditions on `a`. */
function listConditions(filter: AssignmentFilter): SQL[] {
  const byDue = listOrder(filter) === 'due';
  return [
    // Literals, not parameters: a prepared statement's generic plan cannot use a partial index
    // (the active assignments', the overdue ones') for `status = $1`, and scans the table instead.
    filter.status && sql.raw(filter.status === 'active' ? `a.status = 'active'` : `a.status = 'returned'`),
    filter.overdue === true ? sql.raw(`${OVERDUE} and a.expected_return_at is not null`) : undefined,
    filter.overdue === false ? sql.raw(`not coalesce(${OVERDUE}, false)`) : undefined,
    filter.vehicleId !== undefined ? sql`a.vehicle_id = ${filter.vehicleId}` : undefined,
    filter.technicianId !== undefined ? sql`a.technician_id = ${filter.technicianId}` : undefined,
    filter.assignedFrom && sql`a.assigned_at >= ${filter.assignedFrom.toISOString()}::timestamptz`,
    filter.assignedTo && sql`a.assigned_at < ${filter.assignedTo.toISOString()}::timestamptz`,
    filter.returnedFrom && sql`a.returned_at >= ${filter.returnedFrom.toISOString()}::timestamptz`,
    filter.returnedTo && sql`a.returned_at < ${filter.returnedTo.toISOString()}::timestamptz`,
    filter.after &&
      (byDue
        ? sql`(a.expected_return_at, a.id) > (${filter.after.at.toISOString()}::timestamptz, ${filter.after.id})`
        : sql`(a.assigned_at, a.id) < (${filter.after.at.toISOString()}::timestamptz, ${filter.after.id})`),
  ].filter((condition): condition is SQL => condition !== undefined);
}

/**
 * A page of assignments, written whole by PostgreSQL as the JSON of its API objects: a page of 500
 * reaches the server as one text, which it sends as it is.
 */
export async function listAssignments(db: Executor, filter: AssignmentFilter): Promise<AssignmentRows> {
  const conditions = listConditions(filter);
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const byDue = listOrder(filter) === 'due';
  const at = byDue ? 'expected_return_at' : 'assigned_at';
  const order = sql.raw(byDue ? 'at, id' : 'at desc, id desc');
  const last = sql.raw(byDue ? 'at desc, id desc' : 'at, id');
  // One row more than asked tells whether another page follows; LIMIT NULL is no limit.
  const limit = filter.limit ?? null;
  const [page] = await queryRows<AssignmentRows>(
    db,
    sql`with
      fetched as (
        select ${assignmentJson(VEHICLE_ACTIVE_NOW, TECHNICIAN_ACTIVE_NOW)}::text as json, a.id, a.${sql.raw(at)} as at
        from assignments a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id
        ${where}
        order by a.${sql.raw(at)}${sql.raw(byDue ? '' : ' desc')}, a.id${sql.raw(byDue ? '' : ' desc')}
        limit ${limit === null ? null : limit + 1}),
      shown as (select * from fetched order by ${order} limit ${limit})
    select coalesce((select string_agg(json, ',' order by ${order}) from shown), '') as json,
      (select count(*)::int from shown) as size,
      case when (select count(*) from fetched) > ${limit} then
        (select json_build_object('id', id, 'at', ${sql.raw(iso('at'))}) from shown order by ${last} limit 1)
      end as next`,
  );
  return page!;
}

/** The assignment's API object as JSON text, or undefined when there is none. */
export async function findAssignment(db: Executor, id: number): Promise<string | undefined> {
  const [row] = await queryRows<{ json: string }>(
    db,
    sql`select ${assignmentJson(VEHICLE_ACTIVE_NOW, TECHNICIAN_ACTIVE_NOW)}::text as json
        from assignments a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id
        where a.id = ${id}`,
  );
  return row?.json;
}

// ---------------------------------------------------------------------------------------------
// Changes made in one statement: checked, written, audited and answered in one round trip
// ---------------------------------------------------------------------------------------------

/** The assignment's API object as JSON text when it was made; otherwise why not. */
export type AssignOutcome =
  | { assignment: string }
  | {
      assignment: null;
      vehicleFound: boolean;
      technicianFound: boolean;
      /** The vehicle's odometer when the start reading was below it; null otherwise. */
      odometerAhead: number | null;
      keyApplied: boolean;
    };

export interface NewAssignment {
  vehicleId: number;
  technicianId: number;
  notes: string | null;
  expectedReturnAt: Date | null;
  startOdometer: number | null;
}

/**
 * One statement: the vehicle and technician must be in service, and are share-locked so that
 * neither can be retired while it commits; the partial unique indexes reject a second active
 * assignment (the statement fails, and nothing of it stays); the audit entry and the
 * Idempotency-Key's mark are written by the same statement. A start reading locks the vehicle
 * for update instead, is refused below its odometer, and becomes the vehicle's odometer.
 */
export async function assign(db: Executor, input: NewAssignment, audit: AuditContext): Promise<AssignOutcome> {
  const reading = input.startOdometer;
  const vehicleLock = sql.raw(reading === null ? 'for share' : 'for no key update');
  const readingFits = reading === null ? sql`true` : sql`(select coalesce(odometer, 0) <= ${reading} from v)`;
  const [row] = await queryRows<{
    assignment: string | null;
    vehicle_found: boolean;
    technician_found: boolean;
    odometer_ahead: number | null;
    key_applied: boolean;
  }>(
    db,
    sql`with
      v as (select id, odometer from vehicles where id = ${input.vehicleId} and retired_at is null ${vehicleLock}),
      t as (select id from technicians where id = ${input.technicianId} and retired_at is null for share),
      fence as (${keyFence(audit, sql`exists (select 1 from v) and exists (select 1 from t) and ${readingFits}`)}),
      ${
        reading === null
          ? sql``
          : sql`vo as (
        update vehicles ve set odometer = ${reading}, updated_at = now() from v, fence where ve.id = v.id returning ve.*),`
      }
      a as (
        insert into assignments (vehicle_id, technician_id, assigned_by, notes, expected_return_at, start_odometer)
        select v.id, t.id, ${audit.actor}, ${input.notes}, ${input.expectedReturnAt?.toISOString() ?? null}::timestamptz, ${reading}::int
        from v, t, fence${reading === null ? sql`` : sql`, vo`}
        returning *),
      created as (
        select ${assignmentJson('a.id', 'a.id')} as assignment, a.id
        from a join ${sql.raw(reading === null ? 'vehicles' : 'vo')} ve on ve.id = a.vehicle_id
          join technicians te on te.id = a.technician_id),
      entry as (${auditEntries(audit, {
        action: 'assign',
        entityType: 'assignment',
        entityId: sql`created.id`,
        before: sql`null`,
        after: sql`created.assignment::jsonb`,
        from: sql`created`,
      })}),
      kept as (${keptAnswer(audit, { status: 201, body: sql`'{"assignment":' || created.assignment::text || '}'`, from: sql`created` })})
    select (select assignment::text from created) as assignment,
      exists (select 1 from v) as vehicle_found, exists (select 1 from t) as technician_found,
      case when not ${readingFits} then (select odometer from v) end as odometer_ahead,
      exists (select 1 from fence) as key_applied`,
  );
  if (row!.assignment) return { assignment: row!.assignment };
  return {
    assignment: null,
    vehicleFound: row!.vehicle_found,
    technicianFound: row!.technician_found,
    odometerAhead: row!.odometer_ahead,
    keyApplied: row!.key_applied,
  };
}

/** What a return did: whether the assignment exists, and its API object once returned. */
export interface ReturnOutcome {
  found: boolean;
  /** The vehicle's odometer when the end reading was below it (nothing changed); null otherwise. */
  odometerAhead: number | null;
  after: string | null;
}

/**
 * One statement: the assignment is locked (FOR UPDATE) and read as it was, returned if active,
 * and audited. Of concurrent returns, the lock lets one through; the others then read it returned.
 * An end reading also locks the vehicle, is refused below its odometer, and becomes its odometer.
 */
export async function returnOne(
  db: Executor,
  id: number,
  input: { notes?: string | null; endOdometer?: number },
  audit: AuditContext,
): Promise<ReturnOutcome> {
  const notes = input.notes === undefined ? sql`a.notes` : sql`${input.notes}::text`;
  const reading = input.endOdometer ?? null;
  const readingFits = reading === null ? sql`true` : sql`coalesce(was.odometer, 0) <= ${reading}`;
  const [row] = await queryRows<ReturnOutcome>(
    db,
    sql`with
      was as (
        select ${assignmentJson(VEHICLE_ACTIVE_NOW, TECHNICIAN_ACTIVE_NOW)} as assignment,
          a.status, ve.odometer
        from assignments a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id
        where a.id = ${id}
        for update of a${sql.raw(reading === null ? '' : ' for no key update of ve')}),
      a as (
        update assignments a set status = 'returned', returned_at = now(), returned_by = ${audit.actor}, notes = ${notes}
          ${reading === null ? sql`` : sql`, end_odometer = ${reading}`}
        where a.id = ${id} and a.status = 'active' and exists (select 1 from was where was.status = 'active' and ${readingFits})
        returning a.*),
      ${
        reading === null
          ? sql``
          : sql`vo as (
        update vehicles ve set odometer = ${reading}, updated_at = now() from a where ve.id = a.vehicle_id returning ve.*),`
      }
      returned as (
        select ${assignmentJson('null::int', 'null::int')} as assignment
        from a join ${sql.raw(reading === null ? 'vehicles' : 'vo')} ve on ve.id = a.vehicle_id
          join technicians te on te.id = a.technician_id),
      entry as (${auditEntries(audit, {
        action: 'return',
        entityType: 'assignment',
        entityId: sql`${id}`,
        before: sql`was.assignment::jsonb`,
        after: sql`returned.assignment::jsonb`,
        from: sql`was, returned`,
      })})
    select exists (select 1 from was) as found,
      (select was.odometer from was where was.status = 'active' and not ${readingFits}) as "odometerAhead",
      (select assignment::text from returned) as after`,
  );
  return row!;
}

/**
 * One statement: the active assignment's due date and notes are changed and audited; `found`
 * tells an unknown assignment from a returned one when nothing changed.
 */
export async function updateAssignment(
  db: Executor,
  id: number,
  changes: { expectedReturnAt?: Date | null; notes?: string | null },
  audit: AuditContext,
): Promise<{ found: boolean; after: string | null }> {
  const dueAt =
    changes.expectedReturnAt === undefined
      ? sql`a.expected_return_at`
      : sql`${changes.expectedReturnAt?.toISOString() ?? null}::timestamptz`;
  const notes = changes.notes === undefined ? sql`a.notes` : sql`${changes.notes}::text`;
  const [row] = await queryRows<{ found: boolean; after: string | null }>(
    db,
    sql`with
      was as (
        select ${assignmentJson(VEHICLE_ACTIVE_NOW, TECHNICIAN_ACTIVE_NOW)} as assignment, a.status
        from assignments a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id
        where a.id = ${id}
        for update of a),
      a as (
        update assignments a set expected_return_at = ${dueAt}, notes = ${notes}
        where a.id = ${id} and a.status = 'active' and exists (select 1 from was where was.status = 'active')
        returning a.*),
      changed as (
        select ${assignmentJson('a.id', 'a.id')} as assignment
        from a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id),
      entry as (${auditEntries(audit, {
        action: 'update',
        entityType: 'assignment',
        entityId: sql`${id}`,
        before: sql`was.assignment::jsonb`,
        after: sql`changed.assignment::jsonb`,
        from: sql`was, changed`,
      })})
    select exists (select 1 from was) as found, (select assignment::text from changed) as after`,
  );
  return row!;
}

// ---------------------------------------------------------------------------------------------
// Changes made in a transaction: transfer and bulk return
// ---------------------------------------------------------------------------------------------

/** The assignments' API objects as JSON text by id, as the transaction sees them now. */
export async function assignmentsJson(db: Executor, ids: number[]): Promise<Map<number, string>> {
  const rows = await queryRows<{ id: number; json: string }>(
    db,
    sql`select a.id, ${assignmentJson(VEHICLE_ACTIVE_NOW, TECHNICIAN_ACTIVE_NOW)}::text as json
        from assignments a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id
        where a.id = any(${`{${ids.join(',')}}`}::int[])`,
  );
  return new Map(rows.map((row) => [row.id, row.json]));
}

/** The assignments, locked for update in id order (so that two bulk returns never deadlock). */
export async function lockAssignments(
  db: Executor,
  ids: number[],
): Promise<{ id: number; status: 'active' | 'returned'; vehicleId: number; technicianId: number; expectedReturnAt: string | null }[]> {
  return queryRows(
    db,
    sql`select id, status, vehicle_id as "vehicleId", technician_id as "technicianId", expected_return_at::text as "expectedReturnAt"
        from assignments where id = any(${`{${ids.join(',')}}`}::int[]) order by id for update`,
  );
}

/** Returns the active assignments among `ids`, at the transaction's instant. */
export async function markReturned(db: Executor, ids: number[], actor: string, notes?: string | null): Promise<void> {
  await db.execute(
    sql`update assignments set status = 'returned', returned_at = now(), returned_by = ${actor},
          notes = ${notes === undefined ? sql`notes` : sql`${notes}::text`}
        where id = any(${`{${ids.join(',')}}`}::int[]) and status = 'active'`,
  );
}

/**
 * A new active assignment at the transaction's instant (the instant the one it replaces was
 * returned). The partial unique indexes reject a busy party, which fails the transaction.
 */
export async function insertAssignment(
  db: Executor,
  input: { vehicleId: number; technicianId: number; expectedReturnAt: string | null; notes?: string | null },
  actor: string,
): Promise<number> {
  const [row] = await queryRows<{ id: number }>(
    db,
    sql`insert into assignments (vehicle_id, technician_id, assigned_by, expected_return_at, notes)
        values (${input.vehicleId}, ${input.technicianId}, ${actor}, ${input.expectedReturnAt}::timestamptz, ${input.notes ?? null})
        returning id`,
  );
  return row!.id;
}

/**
 * Whether the vehicle or technician is in service. Share-locked, so it stays so until commit; or
 * locked for update, which queues the transactions that lock the same party one behind another.
 */
export async function partyInService(
  db: Executor,
  party: 'vehicle' | 'technician',
  id: number,
  lock: 'share' | 'update' = 'share',
): Promise<boolean> {
  const table = sql.raw(party === 'vehicle' ? 'vehicles' : 'technicians');
  const strength = sql.raw(lock === 'share' ? 'for share' : 'for no key update');
  const rows = await queryRows(db, sql`select id from ${table} where id = ${id} and retired_at is null ${strength}`);
  return rows.length > 0;
}

// ---------------------------------------------------------------------------------------------
// The history export: CSV lines written by PostgreSQL, read through a cursor

export const EXPORT_HEADER =
  'id,plate number,technician name,technician email,assigned at,returned at,start odometer,end odometer,assigned by,returned by,notes';

/**
 * A text field of a CSV line: always quoted, quotes doubled, empty for null. Text that a
 * spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) gets a
 * leading apostrophe, so that opening the file runs nothing a technician's name or a note holds.
 */
const csvText = (column: string) =>
  `coalesce('"' || replace(case when ${column} ~ '^[=+\\-@\\t\\r]' then '''' || ${column} else ${column} end, '"', '""') || '"', '')`;
const csvValue = (column: string) => `coalesce(${column}::text, '')`;

const EXPORT_LINE = sql.raw(
  [
    csvValue('a.id'),
    csvText('ve.plate_number'),
    csvText('te.name'),
    csvText('te.email'),
    csvValue(iso('a.assigned_at')),
    csvValue(iso('a.returned_at')),
    csvValue('a.start_odometer'),
    csvValue('a.end_odometer'),
    csvText('a.assigned_by'),
    csvText('a.returned_by'),
    csvText('a.notes'),
  ].join(` || ',' || `),
);

export const EXPORT_BATCH = 1000;

/**
 * Declares, in the caller's transaction, a cursor over the CSV lines of the matching
 * assignments in the list's order; then fetchExportLines reads it a batch at a time.
 */
export async function declareExport(tx: Executor, filter: Omit<AssignmentFilter, 'after' | 'limit'>): Promise<void> {
  const conditions = listConditions(filter);
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const order = sql.raw(listOrder(filter) === 'due' ? 'a.expected_return_at, a.id' : 'a.assigned_at desc, a.id desc');
  await tx.execute(
    sql`declare assignments_export no scroll cursor for
        select ${EXPORT_LINE} as line
        from assignments a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id
        ${where} order by ${order}`,
  );
}

/** The next lines of the export, each ending in CRLF as CSV has it; fewer than a batch at the end. */
export async function fetchExportLines(tx: Executor): Promise<{ text: string; count: number }> {
  const rows = await queryRows<{ line: string }>(tx, sql.raw(`fetch ${EXPORT_BATCH} from assignments_export`));
  let text = '';
  for (const row of rows) text += `${row.line}\r\n`;
  return { text, count: rows.length };
}
