import { sql } from 'drizzle-orm';
import { assignments, reservations, technicians, vehicles } from '../db/schema.ts';
import { queryRows } from '../platform/db.ts';
import type { Executor } from '../platform/db.ts';

// Which assignments and reservations columns point at each party: the history that decides retire or delete.
const PARTIES = {
  vehicle: { table: vehicles, assignmentColumn: assignments.vehicleId, reservationColumn: reservations.vehicleId },
  technician: { table: technicians, assignmentColumn: assignments.technicianId, reservationColumn: reservations.technicianId },
} as const;

export type Party = keyof typeof PARTIES;

/** What taking a party out of service did: nothing (missing, or still assigned), or how it went. */
export type Removal = 'missing' | 'assigned' | 'retired' | 'deleted';

/**
 * Takes a vehicle or technician in service out of service. One that was never assigned nor
 * booked is deleted; one with history (an assignment or a reservation) is retired, so that its past assignments still show it in full; one
 * holding an active assignment stays as it is. The row lock (FOR UPDATE against the FOR SHARE of
 * an assignment being created) makes a concurrent assignment either commit first, and then this
 * sees it, or wait and find the party gone.
 */
export async function removeFromService(db: Executor, party: Party, id: number): Promise<Removal> {
  const { table, assignmentColumn, reservationColumn } = PARTIES[party];
  const locked = await queryRows<{ id: number }>(
    db,
    sql`
    select ${table.id} from ${table} where ${table.id} = ${id} and ${table.retiredAt} is null for update`,
  );
  if (locked.length === 0) return 'missing';
  // A statement of its own, after the lock: under READ COMMITTED it sees an assignment committed
  // while this one waited, which a subquery of the locking statement (its snapshot taken before
  // the wait) would miss.
  const [usage] = await queryRows<{ hasHistory: boolean; isAssigned: boolean }>(
    db,
    sql`
    select
      exists (select 1 from ${assignments} where ${assignmentColumn} = ${id})
        or exists (select 1 from ${reservations} where ${reservationColumn} = ${id}) as "hasHistory",
      exists (select 1 from ${assignments} where ${assignmentColumn} = ${id} and ${assignments.status} = 'active') as "isAssigned"`,
  );
  if (usage!.isAssigned) return 'assigned';
  if (usage!.hasHistory) {
    await db.execute(sql`update ${table} set retired_at = now(), updated_at = now() where ${table.id} = ${id}`);
    return 'retired';
  }
  await db.execute(sql`delete from ${table} where ${table.id} = ${id}`);
  return 'deleted';
}
