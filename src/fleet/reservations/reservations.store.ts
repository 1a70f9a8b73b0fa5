import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { queryRows } from '../../platform/db.ts';
import type { Executor } from '../../platform/db.ts';
import { iso, technicianObject, TECHNICIAN_ACTIVE_NOW, vehicleObject, VEHICLE_ACTIVE_NOW } from '../api-objects.ts';

/** The API object of the reservation `r`, its vehicle `ve` and technician `te`, as PostgreSQL writes it. */
const RESERVATION_JSON = sql.raw(`(select to_json(x) from (select
    r.id as "id", r.vehicle_id as "vehicleId", r.technician_id as "technicianId",
    ${iso('r.starts_at')} as "startsAt", ${iso('r.ends_at')} as "endsAt", r.status as "status",
    r.assignment_id as "assignmentId", r.notes as "notes", r.created_by as "createdBy", ${iso('r.created_at')} as "createdAt",
    ${vehicleObject(VEHICLE_ACTIVE_NOW)} as "vehicle",
    ${technicianObject(TECHNICIAN_ACTIVE_NOW)} as "technician") x)::text`);

const FROM = sql`from reservations r join vehicles ve on ve.id = r.vehicle_id join technicians te on te.id = r.technician_id`;

export interface ReservationFilter {
  vehicleId?: number;
  technicianId?: number;
  status?: 'booked' | 'started' | 'cancelled';
  /** Only those overlapping [from, to). */
  from?: Date;
  to?: Date;
}

/** The reservations' API objects by startsAt, joined by commas. */
export async function listReservations(db: Executor, filter: ReservationFilter): Promise<string> {
  const conditions = [
    filter.vehicleId !== undefined ? sql`r.vehicle_id = ${filter.vehicleId}` : undefined,
    filter.technicianId !== undefined ? sql`r.technician_id = ${filter.technicianId}` : undefined,
    filter.status !== undefined ? sql`r.status = ${filter.status}` : undefined,
    filter.from && sql`r.ends_at > ${filter.from.toISOString()}::timestamptz`,
    filter.to && sql`r.starts_at < ${filter.to.toISOString()}::timestamptz`,
  ].filter((condition): condition is SQL => condition !== undefined);
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const [row] = await queryRows<{ json: string }>(
    db,
    sql`select coalesce(string_agg(json, ',' order by starts_at, id), '') as json
        from (select ${RESERVATION_JSON} as json, r.starts_at, r.id ${FROM} ${where}) page`,
  );
  return row!.json;
}

/** The reservation's API object as JSON text, or undefined when there is none. */
export async function findReservation(db: Executor, id: number): Promise<string | undefined> {
  const [row] = await queryRows<{ json: string }>(db, sql`select ${RESERVATION_JSON} as json ${FROM} where r.id = ${id}`);
  return row?.json;
}

export interface HeldReservation {
  id: number;
  vehicleId: number;
  technicianId: number;
  status: 'booked' | 'started' | 'cancelled';
  /** ISO text, as PostgreSQL writes it. */
  endsAt: string;
  ended: boolean;
  notes: string | null;
}

/** The reservation, locked for update until the transaction ends. */
export async function lockReservation(db: Executor, id: number): Promise<HeldReservation | undefined> {
  const [row] = await queryRows<HeldReservation>(
    db,
    sql`select id, vehicle_id as "vehicleId", technician_id as "technicianId", status, ends_at::text as "endsAt",
          ends_at <= now() as ended, notes
        from reservations where id = ${id} for update`,
  );
  return row;
}

/**
 * Frees the rest of the hours of the party's started reservations whose assignment came back. Done
 * when the party is booked (its row locked), not when an assignment is returned, so that a return,
 * the hot path, writes nothing more. A return that commits after this still blocks the booking: 409.
 */
export async function releaseReturnedReservations(db: Executor, party: { vehicleId: number; technicianId: number }): Promise<void> {
  await db.execute(
    sql`update reservations r set released_at = a.returned_at
        from assignments a
        where r.assignment_id = a.id and a.status = 'returned' and r.released_at is null
          and (r.vehicle_id = ${party.vehicleId} or r.technician_id = ${party.technicianId})`,
  );
}

/** A new booking; the exclusion constraints reject one overlapping another of its vehicle or technician. */
export async function insertReservation(
  db: Executor,
  input: { vehicleId: number; technicianId: number; startsAt: Date; endsAt: Date; notes: string | null },
  actor: string,
): Promise<number> {
  const [row] = await queryRows<{ id: number }>(
    db,
    sql`insert into reservations (vehicle_id, technician_id, starts_at, ends_at, notes, created_by)
        values (${input.vehicleId}, ${input.technicianId}, ${input.startsAt.toISOString()}::timestamptz,
          ${input.endsAt.toISOString()}::timestamptz, ${input.notes}, ${actor})
        returning id`,
  );
  return row!.id;
}

export async function setReservationStatus(
  db: Executor,
  id: number,
  change: { status: 'cancelled' } | { status: 'started'; assignmentId: number },
): Promise<void> {
  const assignmentId = change.status === 'started' ? change.assignmentId : null;
  await db.execute(sql`update reservations set status = ${change.status}, assignment_id = ${assignmentId} where id = ${id}`);
}
