import { and, asc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { vehicles } from '../../db/schema.ts';
import type { Executor } from '../../platform/db.ts';
import type { CreateVehicle, UpdateVehicle, Vehicle } from './vehicles.schemas.ts';

// Written out by hand: Drizzle leaves column names unqualified in a single-table query, and an
// unqualified "id" inside this subquery would mean the assignment's id.
const activeAssignment = sql<number | null>`(
  select active.id from assignments active
  where active.vehicle_id = vehicles.id and active.status = 'active')`;

/** The API object's columns (an assignment nests the same object, written in SQL by assignments.store.ts). */
const vehicleColumns = {
  id: vehicles.id,
  plateNumber: vehicles.plateNumber,
  make: vehicles.make,
  model: vehicles.model,
  year: vehicles.year,
  vin: vehicles.vin,
  odometer: vehicles.odometer,
  createdAt: vehicles.createdAt,
  updatedAt: vehicles.updatedAt,
  activeAssignmentId: activeAssignment.as('active_assignment_id'),
};

type VehicleRow = Omit<Vehicle, 'createdAt' | 'updatedAt'> & { createdAt: Date; updatedAt: Date };

function toVehicle(row: VehicleRow): Vehicle {
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export async function listVehicles(db: Executor, filter: { available?: boolean }): Promise<Vehicle[]> {
  const availability =
    filter.available === undefined ? undefined : filter.available ? isNull(activeAssignment) : isNotNull(activeAssignment);
  const rows = await db
    .select(vehicleColumns)
    .from(vehicles)
    .where(and(isNull(vehicles.retiredAt), availability))
    .orderBy(asc(vehicles.id));
  return rows.map(toVehicle);
}

/** The vehicle in service; `lock` holds it (FOR UPDATE) until the transaction ends. */
export async function findVehicle(db: Executor, id: number, options: { lock?: boolean } = {}): Promise<Vehicle | undefined> {
  const query = db
    .select(vehicleColumns)
    .from(vehicles)
    .where(and(eq(vehicles.id, id), isNull(vehicles.retiredAt)));
  const [row] = options.lock ? await query.for('update') : await query;
  return row && toVehicle(row);
}

/** Whether the id was ever a vehicle's: in service or retired. */
export async function vehicleEverExisted(db: Executor, id: number): Promise<boolean> {
  const [row] = await db.select({ id: vehicles.id }).from(vehicles).where(eq(vehicles.id, id));
  return row !== undefined;
}

export async function insertVehicle(db: Executor, input: CreateVehicle): Promise<number> {
  const [row] = await db.insert(vehicles).values(input).returning({ id: vehicles.id });
  return row!.id;
}

/** Returns false when no vehicle in service has this id. */
export async function updateVehicle(db: Executor, id: number, changes: UpdateVehicle): Promise<boolean> {
  const rows = await db
    .update(vehicles)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(eq(vehicles.id, id), isNull(vehicles.retiredAt)))
    .returning({ id: vehicles.id });
  return rows.length > 0;
}
