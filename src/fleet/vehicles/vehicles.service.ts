import type { Database } from '../../platform/db.ts';
import { problems } from '../../platform/problems.ts';
import type { CreateVehicle, UpdateVehicle, Vehicle } from './vehicles.schemas.ts';
import * as store from './vehicles.store.ts';

export function listVehicles(db: Database, filter: { available?: boolean }): Promise<Vehicle[]> {
  return store.listVehicles(db, filter);
}

export async function getVehicle(db: Database, id: number): Promise<Vehicle> {
  const vehicle = await store.findVehicle(db, id);
  if (!vehicle) throw problems.vehicleNotFound(id);
  return vehicle;
}

/** Plate and VIN uniqueness are unique indexes: a duplicate surfaces as 409 from the error handler. */
export function createVehicle(db: Database, input: CreateVehicle): Promise<Vehicle> {
  return db.transaction(async (tx) => {
    const id = await store.insertVehicle(tx, input);
    return (await store.findVehicle(tx, id))!;
  });
}

export function updateVehicle(db: Database, id: number, changes: UpdateVehicle): Promise<Vehicle> {
  return db.transaction(async (tx) => {
    if (!(await store.updateVehicle(tx, id, changes))) throw problems.vehicleNotFound(id);
    return (await store.findVehicle(tx, id))!;
  });
}

/**
 * A vehicle that was never assigned is deleted; one with history is retired, so its past
 * assignments still show it. The row lock makes a concurrent assignment either finish first
 * (then this is 409) or find the vehicle gone (then it is 404).
 */
export function removeVehicle(db: Database, id: number): Promise<void> {
  return db.transaction(async (tx) => {
    const usage = await store.lockVehicleForRemoval(tx, id);
    if (!usage) throw problems.vehicleNotFound(id);
    if (usage.isAssigned) throw problems.vehicleStillAssigned(id);
    if (usage.hasHistory) await store.retireVehicle(tx, id);
    else await store.deleteVehicle(tx, id);
  });
}
