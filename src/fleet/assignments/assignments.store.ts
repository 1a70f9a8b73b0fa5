import { and, desc, eq, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { assignments, technicians, vehicles } from '../../db/schema.ts';
import { queryRows } from '../../platform/db.ts';
import type { Executor } from '../../platform/db.ts';
import { technicianColumns, toTechnician } from '../technicians/technicians.store.ts';
import { toVehicle, vehicleColumns } from '../vehicles/vehicles.store.ts';
import type { Assignment } from './assignments.schemas.ts';

export interface AssignmentFilter {
  status?: 'active' | 'returned';
  vehicleId?: number;
  technicianId?: number;
  /** Only assignments after this position in the newest-first order. */
  after?: { assignedAt: Date; id: number };
  limit?: number;
}

function selectAssignments(db: Executor) {
  return db
    .select({
      id: assignments.id,
      vehicleId: assignments.vehicleId,
      technicianId: assignments.technicianId,
      status: assignments.status,
      assignedAt: assignments.assignedAt,
      returnedAt: assignments.returnedAt,
      assignedBy: assignments.assignedBy,
      returnedBy: assignments.returnedBy,
      notes: assignments.notes,
      vehicle: vehicleColumns,
      technician: technicianColumns,
    })
    .from(assignments)
    .innerJoin(vehicles, eq(vehicles.id, assignments.vehicleId))
    .innerJoin(technicians, eq(technicians.id, assignments.technicianId));
}

type AssignmentRow = Awaited<ReturnType<typeof selectAssignments>>[number];

function toAssignment(row: AssignmentRow): Assignment {
  return {
    ...row,
    assignedAt: row.assignedAt.toISOString(),
    returnedAt: row.returnedAt?.toISOString() ?? null,
    vehicle: toVehicle(row.vehicle),
    technician: toTechnician(row.technician),
  };
}

export async function listAssignments(db: Executor, filter: AssignmentFilter): Promise<Assignment[]> {
  const conditions: (SQL | undefined)[] = [
    filter.status && eq(assignments.status, filter.status),
    filter.vehicleId !== undefined ? eq(assignments.vehicleId, filter.vehicleId) : undefined,
    filter.technicianId !== undefined ? eq(assignments.technicianId, filter.technicianId) : undefined,
    filter.after &&
      sql`(${assignments.assignedAt}, ${assignments.id}) < (${filter.after.assignedAt.toISOString()}::timestamptz, ${filter.after.id})`,
  ];
  const query = selectAssignments(db)
    .where(and(...conditions))
    .orderBy(desc(assignments.assignedAt), desc(assignments.id));
  const rows = filter.limit === undefined ? await query : await query.limit(filter.limit);
  return rows.map(toAssignment);
}

/** `lock` holds the assignment row (FOR UPDATE, not its vehicle and technician) until the transaction ends. */
export async function findAssignment(db: Executor, id: number, options: { lock?: boolean } = {}): Promise<Assignment | undefined> {
  const query = selectAssignments(db).where(eq(assignments.id, id));
  const [row] = options.lock ? await query.for('update', { of: assignments }) : await query;
  return row && toAssignment(row);
}

/**
 * One statement: the vehicle and technician must be in service, and are share-locked so that
 * neither can be retired while this commits; the partial unique indexes reject a second active
 * assignment. Returns undefined when either party is missing or retired.
 */
export async function insertAssignment(
  db: Executor,
  input: { vehicleId: number; technicianId: number; notes: string | null; assignedBy: string },
): Promise<number | undefined> {
  const [row] = await queryRows<{ id: number }>(
    db,
    sql`
    insert into assignments (vehicle_id, technician_id, assigned_by, notes)
    select v.id, t.id, ${input.assignedBy}, ${input.notes}
    from (select id from vehicles where id = ${input.vehicleId} and retired_at is null for share) v,
         (select id from technicians where id = ${input.technicianId} and retired_at is null for share) t
    returning id`,
  );
  return row?.id;
}

/** Returns the id when an active assignment was returned, undefined when none was. */
export async function markReturned(
  db: Executor,
  id: number,
  input: { returnedBy: string; notes: string | null | undefined },
): Promise<number | undefined> {
  const [row] = await db
    .update(assignments)
    .set({
      status: 'returned',
      returnedAt: sql`now()`,
      returnedBy: input.returnedBy,
      ...(input.notes !== undefined ? { notes: input.notes } : {}),
    })
    .where(and(eq(assignments.id, id), eq(assignments.status, 'active')))
    .returning({ id: assignments.id });
  return row?.id;
}
