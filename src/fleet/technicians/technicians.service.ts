import type { Database } from '../../platform/db.ts';
import { fleetProblems } from '../fleet.problems.ts';
import { removeFromService } from '../retirement.store.ts';
import type { CreateTechnician, UpdateTechnician, Technician } from './technicians.schemas.ts';
import * as store from './technicians.store.ts';

export function listTechnicians(db: Database, filter: { available?: boolean }): Promise<Technician[]> {
  return store.listTechnicians(db, filter);
}

export async function getTechnician(db: Database, id: number): Promise<Technician> {
  const technician = await store.findTechnician(db, id);
  if (!technician) throw fleetProblems.technicianNotFound(id);
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
    if (!(await store.updateTechnician(tx, id, changes))) throw fleetProblems.technicianNotFound(id);
    return (await store.findTechnician(tx, id))!;
  });
}

/** Deleted if never assigned, retired if it has history; 409 while it holds an active assignment. */
export function removeTechnician(db: Database, id: number): Promise<void> {
  return db.transaction(async (tx) => {
    const removal = await removeFromService(tx, 'technician', id);
    if (removal === 'missing') throw fleetProblems.technicianNotFound(id);
    if (removal === 'assigned') throw fleetProblems.technicianStillAssigned(id);
  });
}
