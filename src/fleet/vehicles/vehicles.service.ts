import { recordAudit } from '../../platform/audit.ts';
import type { AuditContext } from '../../platform/audit.ts';
import type { Cursors } from '../../platform/cursors.ts';
import type { Database } from '../../platform/db.ts';
import { listAssignments } from '../assignments/assignments.service.ts';
import type { AssignmentHistoryQuery } from '../assignments/assignments.schemas.ts';
import type { AssignmentPage } from '../assignments/assignments.service.ts';
import { fleetProblems } from '../fleet.problems.ts';
import { removeFromService } from '../retirement.store.ts';
import type { CreateVehicle, UpdateVehicle, Vehicle } from './vehicles.schemas.ts';
import * as store from './vehicles.store.ts';

export function listVehicles(db: Database, filter: { available?: boolean }): Promise<Vehicle[]> {
  return store.listVehicles(db, filter);
}

export async function getVehicle(db: Database, id: number): Promise<Vehicle> {
  const vehicle = await store.findVehicle(db, id);
  if (!vehicle) throw fleetProblems.vehicleNotFound(id);
  return vehicle;
}

/** Plate and VIN uniqueness are unique indexes: a duplicate surfaces as 409 from the error handler. */
export function createVehicle(db: Database, input: CreateVehicle, audit: AuditContext): Promise<Vehicle> {
  return db.transaction(async (tx) => {
    const id = await store.insertVehicle(tx, input);
    const vehicle = (await store.findVehicle(tx, id))!;
    await recordAudit(tx, audit, { action: 'create', entityType: 'vehicle', entityId: id, before: null, after: vehicle });
    return vehicle;
  });
}

/**
 * The row is locked before it is read, so that the audit's `before` is what this change replaced,
 * and an odometer reading is compared with the last one: never below it (400).
 */
export function updateVehicle(db: Database, id: number, changes: UpdateVehicle, audit: AuditContext): Promise<Vehicle> {
  return db.transaction(async (tx) => {
    const before = await store.findVehicle(tx, id, { lock: true });
    if (!before) throw fleetProblems.vehicleNotFound(id);
    if (changes.odometer !== undefined && before.odometer !== null && changes.odometer < before.odometer) {
      throw fleetProblems.odometerBackwards(changes.odometer, before.odometer);
    }
    await store.updateVehicle(tx, id, changes);
    const after = (await store.findVehicle(tx, id))!;
    await recordAudit(tx, audit, { action: 'update', entityType: 'vehicle', entityId: id, before, after });
    return after;
  });
}

/**
 * Every assignment the vehicle ever had, newest first, retired or not. A vehicle deleted because it
 * was never assigned has no history to show, so it is 404 like an id that never existed.
 */
export async function vehicleHistory(db: Database, cursors: Cursors, id: number, page: AssignmentHistoryQuery): Promise<AssignmentPage> {
  const history = await listAssignments(db, cursors, { ...page, vehicleId: id });
  if (history.size === 0 && !(await store.vehicleEverExisted(db, id))) throw fleetProblems.vehicleNotFound(id);
  return history;
}

/** Deleted if never assigned, retired if it has history; 409 while it holds an active assignment. */
export function removeVehicle(db: Database, id: number, audit: AuditContext): Promise<void> {
  return db.transaction(async (tx) => {
    const before = await store.findVehicle(tx, id, { lock: true });
    const removal = await removeFromService(tx, 'vehicle', id);
    if (removal === 'missing') throw fleetProblems.vehicleNotFound(id);
    if (removal === 'assigned') throw fleetProblems.vehicleStillAssigned(id);
    const action = removal === 'retired' ? 'retire' : 'delete';
    await recordAudit(tx, audit, { action, entityType: 'vehicle', entityId: id, before, after: null });
  });
}
