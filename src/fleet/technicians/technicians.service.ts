import { recordAudit } from '../../platform/audit.ts';
import type { AuditContext } from '../../platform/audit.ts';
import type { Cursors } from '../../platform/cursors.ts';
import type { Database } from '../../platform/db.ts';
import { listAssignments } from '../assignments/assignments.service.ts';
import type { AssignmentHistoryQuery } from '../assignments/assignments.schemas.ts';
import type { AssignmentPage } from '../assignments/assignments.service.ts';
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
export function createTechnician(db: Database, input: CreateTechnician, audit: AuditContext): Promise<Technician> {
  return db.transaction(async (tx) => {
    const id = await store.insertTechnician(tx, input);
    const technician = (await store.findTechnician(tx, id))!;
    await recordAudit(tx, audit, { action: 'create', entityType: 'technician', entityId: id, before: null, after: technician });
    return technician;
  });
}

/** The row is locked before it is read, so that the audit's `before` is what this change replaced. */
export function updateTechnician(db: Database, id: number, changes: UpdateTechnician, audit: AuditContext): Promise<Technician> {
  return db.transaction(async (tx) => {
    const before = await store.findTechnician(tx, id, { lock: true });
    if (!before) throw fleetProblems.technicianNotFound(id);
    await store.updateTechnician(tx, id, changes);
    const after = (await store.findTechnician(tx, id))!;
    await recordAudit(tx, audit, { action: 'update', entityType: 'technician', entityId: id, before, after });
    return after;
  });
}

/**
 * Every assignment the technician ever had, newest first, retired or not. A technician deleted because it
 * was never assigned has no history to show, so it is 404 like an id that never existed.
 */
export async function technicianHistory(db: Database, cursors: Cursors, id: number, page: AssignmentHistoryQuery): Promise<AssignmentPage> {
  const history = await listAssignments(db, cursors, { ...page, technicianId: id });
  if (history.size === 0 && !(await store.technicianEverExisted(db, id))) throw fleetProblems.technicianNotFound(id);
  return history;
}

/** Deleted if never assigned, retired if it has history; 409 while it holds an active assignment. */
export function removeTechnician(db: Database, id: number, audit: AuditContext): Promise<void> {
  return db.transaction(async (tx) => {
    const before = await store.findTechnician(tx, id, { lock: true });
    const removal = await removeFromService(tx, 'technician', id);
    if (removal === 'missing') throw fleetProblems.technicianNotFound(id);
    if (removal === 'assigned') throw fleetProblems.technicianStillAssigned(id);
    const action = removal === 'retired' ? 'retire' : 'delete';
    await recordAudit(tx, audit, { action, entityType: 'technician', entityId: id, before, after: null });
  });
}
