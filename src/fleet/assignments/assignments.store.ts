import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { auditEntries, keptAnswer, keyFence } from '../../platform/audit.ts';
import type { AuditContext } from '../../platform/audit.ts';
import { queryRows } from '../../platform/db.ts';
import type { Executor } from '../../platform/db.ts';

export interface AssignmentFilter {
  status?: 'active' | 'returned';
  vehicleId?: number;
  technicianId?: number;
  /** Only assignments after this position in the newest-first order. */
  after?: { assignedAt: Date; id: number };
  /** At most this many; all when absent. */
  limit?: number;
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

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
    (select v from (select ve.id as "id", ve.plate_number as "plateNumber", ve.make as "make", ve.model as "model",
      ve.year as "year", ve.vin as "vin", ${iso('ve.created_at')} as "createdAt", ${iso('ve.updated_at')} as "updatedAt",
      ${vehicleActive} as "activeAssignmentId") v) as "vehicle",
    (select t from (select te.id as "id", te.name as "name", te.email as "email", te.phone as "phone",
      ${iso('te.created_at')} as "createdAt", ${iso('te.updated_at')} as "updatedAt",
      ${technicianActive} as "activeAssignmentId") t) as "technician") x)`);
}

// The assignment each party of `a` holds now, as the statement sees the table.
const VEHICLE_ACTIVE_NOW = `(select x.id from assignments x where x.vehicle_id = ve.id and x.status = 'active')`;
const TECHNICIAN_ACTIVE_NOW = `(select x.id from assignments x where x.technician_id = te.id and x.status = 'active')`;

/** A page of assignments as PostgreSQL wrote it, and where the page after it starts. */
export interface AssignmentRows {
  /** The API objects of the page's assignments, newest first, joined by commas. */
  json: string;
  size: number;
  /** The page's last assignment when another page follows; null when this page is the last. */
  next: { id: number; assignedAt: string } | null;
}

/**
 * A page of assignments, newest first, written whole by PostgreSQL as the JSON of its API
 * objects: a page of 500 reaches the server as one text, which it sends as it is.
 */
export async function listAssignments(db: Executor, filter: AssignmentFilter): Promise<AssignmentRows> {
  const conditions: SQL[] = [
    // A literal, not a parameter: a prepared statement's generic plan cannot use the partial
    // index of active assignments for `status = $1`, and scans the table instead.
    filter.status && sql.raw(filter.status === 'active' ? `a.status = 'active'` : `a.status = 'returned'`),
    filter.vehicleId !== undefined ? sql`a.vehicle_id = ${filter.vehicleId}` : undefined,
    filter.technicianId !== undefined ? sql`a.technician_id = ${filter.technicianId}` : undefined,
    filter.after && sql`(a.assigned_at, a.id) < (${filter.after.assignedAt.toISOString()}::timestamptz, ${filter.after.id})`,
  ].filter((condition): condition is SQL => condition !== undefined);
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  // One row more than asked tells whether another page follows; LIMIT NULL is no limit.
  const limit = filter.limit ?? null;
  const [page] = await queryRows<AssignmentRows>(
    db,
    sql`with
      fetched as (
        select ${assignmentJson(VEHICLE_ACTIVE_NOW, TECHNICIAN_ACTIVE_NOW)}::text as json, a.id, a.assigned_at
        from assignments a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id
        ${where}
        order by a.assigned_at desc, a.id desc limit ${limit === null ? null : limit + 1}),
      shown as (select * from fetched order by assigned_at desc, id desc limit ${limit})
    select coalesce((select string_agg(json, ',' order by assigned_at desc, id desc) from shown), '') as json,
      (select count(*)::int from shown) as size,
      case when (select count(*) from fetched) > ${limit} then
        (select json_build_object('id', id, 'assignedAt', ${sql.raw(iso('assigned_at'))}) from shown order by assigned_at, id limit 1)
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
  { assignment: string } | { assignment: null; vehicleFound: boolean; technicianFound: boolean; keyApplied: boolean };

/**
 * One statement: the vehicle and technician must be in service, and are share-locked so that
 * neither can be retired while it commits; the partial unique indexes reject a second active
 * assignment (the statement fails, and nothing of it stays); the audit entry and the
 * Idempotency-Key's mark are written by the same statement.
 */
export async function assign(
  db: Executor,
  input: { vehicleId: number; technicianId: number; notes: string | null },
  audit: AuditContext,
): Promise<AssignOutcome> {
  const [row] = await queryRows<{ assignment: string | null; vehicle_found: boolean; technician_found: boolean; key_applied: boolean }>(
    db,
    sql`with
      v as (select id from vehicles where id = ${input.vehicleId} and retired_at is null for share),
      t as (select id from technicians where id = ${input.technicianId} and retired_at is null for share),
      fence as (${keyFence(audit, sql`exists (select 1 from v) and exists (select 1 from t)`)}),
      a as (
        insert into assignments (vehicle_id, technician_id, assigned_by, notes)
        select v.id, t.id, ${audit.actor}, ${input.notes} from v, t, fence
        returning *),
      created as (
        select ${assignmentJson('a.id', 'a.id')} as assignment, a.id
        from a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id),
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
      exists (select 1 from fence) as key_applied`,
  );
  if (row!.assignment) return { assignment: row!.assignment };
  return { assignment: null, vehicleFound: row!.vehicle_found, technicianFound: row!.technician_found, keyApplied: row!.key_applied };
}

/**
 * One statement: the assignment is locked (FOR UPDATE) and read as it was, returned if active,
 * and audited. Of concurrent returns, the lock lets one through; the others then read it returned.
 */
export async function returnOne(
  db: Executor,
  id: number,
  input: { notes?: string | null },
  audit: AuditContext,
): Promise<{ found: boolean; after: string | null }> {
  const notes = input.notes === undefined ? sql`a.notes` : sql`${input.notes}::text`;
  const [row] = await queryRows<{ found: boolean; after: string | null }>(
    db,
    sql`with
      was as (
        select ${assignmentJson(VEHICLE_ACTIVE_NOW, TECHNICIAN_ACTIVE_NOW)} as assignment,
          a.status
        from assignments a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id
        where a.id = ${id}
        for update of a),
      a as (
        update assignments a set status = 'returned', returned_at = now(), returned_by = ${audit.actor}, notes = ${notes}
        where a.id = ${id} and a.status = 'active' and exists (select 1 from was where was.status = 'active')
        returning a.*),
      returned as (
        select ${assignmentJson('null::int', 'null::int')} as assignment
        from a join vehicles ve on ve.id = a.vehicle_id join technicians te on te.id = a.technician_id),
      entry as (${auditEntries(audit, {
        action: 'return',
        entityType: 'assignment',
        entityId: sql`${id}`,
        before: sql`was.assignment::jsonb`,
        after: sql`returned.assignment::jsonb`,
        from: sql`was, returned`,
      })})
    select exists (select 1 from was) as found, (select assignment::text from returned) as after`,
  );
  return row!;
}
