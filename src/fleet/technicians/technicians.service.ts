import type { Database } from '../../platform/db.ts';
import { problems } from '../../platform/problems.ts';
import type { CreateTechnician, UpdateTechnician, Technician } from './technicians.schemas.ts';
import * as store from './technicians.store.ts';

export function listTechnicians(db: Database, filter: { available?: boolean }): Promise<Technician[]> {
  return store.listTechnicians(db, filter);
}

export async function getTechnician(db: Database, id: number): Promise<Technician> {
  const technician = await store.findTechnician(db, id);
  if (!technician) throw problems.technicianNotFound(id);
  return technician;
}

/** Email uniqueness is a unique index: a duplicate surfaces as 409 from the error handler. */
export function createTechnician(db: Database, input: CreateTechnician): Promise<Technician> {
  return db.transaction(async (tx) => {
    const id = await store.insertTechnician(tx, input);
    return (await store.findTechnician(tx, id))!;
  });
}

export function updateTechnician(db: Database, id: number, changes: UpdateTechnician): Promise<Technician> {
  return db.transaction(async (tx) => {
    if (!(await store.updateTechnician(tx, id, changes))) throw problems.technicianNotFound(id);
    return (await store.findTechnician(tx, id))!;
  });
}

/**
 * A technician who was never assigned is deleted; one with history is retired, so their past
 * assignments still show them. The row lock makes a concurrent assignment either finish first
 * (then this is 409) or find the technician gone (then it is 404).
 */
export function removeTechnician(db: Database, id: number): Promise<void> {
  return db.transaction(async (tx) => {
    const usage = await store.lockTechnicianForRemoval(tx, id);
    if (!usage) throw problems.technicianNotFound(id);
    if (usage.isAssigned) throw problems.technicianStillAssigned(id);
    if (usage.hasHistory) await store.retireTechnician(tx, id);
    else await store.deleteTechnician(tx, id);
  });
}
