import { recordAudit } from '../../platform/audit.ts';
import type { AuditContext } from '../../platform/audit.ts';
import type { Database } from '../../platform/db.ts';
import * as assignments from '../assignments/assignments.store.ts';
import { fleetProblems } from '../fleet.problems.ts';
import { instant, timeWindow } from '../instants.ts';
import type { CreateReservation, ReservationListQuery } from './reservations.schemas.ts';
import * as store from './reservations.store.ts';

/** `{ reservations }` by startsAt; 400 for a window that holds no instant. */
export async function listReservations(db: Database, query: ReservationListQuery): Promise<string> {
  const { from, to, ...rest } = query;
  const json = await store.listReservations(db, { ...rest, ...timeWindow({ name: 'from', value: from }, { name: 'to', value: to }) });
  return `{"reservations":[${json}]}`;
}

export async function getReservation(db: Database, id: number): Promise<string> {
  const reservation = await store.findReservation(db, id);
  if (reservation === undefined) throw fleetProblems.reservationNotFound(id);
  return reservation;
}

/**
 * Books the vehicle for the technician: 400 unless startsAt < endsAt and endsAt is ahead; 404
 * for a party unknown or retired; 409 from the exclusion constraints when either party has a
 * booking overlapping [startsAt, endsAt), also when two requests race.
 */
export async function createReservation(db: Database, input: CreateReservation, audit: AuditContext): Promise<string> {
  const startsAt = instant(input.startsAt, 'startsAt');
  const endsAt = instant(input.endsAt, 'endsAt');
  if (startsAt >= endsAt) throw fleetProblems.emptyWindow('startsAt', 'endsAt');
  if (endsAt.getTime() <= Date.now()) throw fleetProblems.reservationEndPassed();
  return db.transaction(async (tx) => {
    // Bookings of one vehicle or one technician queue on its row, vehicle first. Without the queue,
    // concurrent overlapping inserts each wait for the others' exclusion check and can deadlock or
    // time out; with it, each finds the bookings before it committed and the constraint answers.
    if (!(await assignments.partyInService(tx, 'vehicle', input.vehicleId, 'update'))) throw fleetProblems.vehicleNotFound(input.vehicleId);
    if (!(await assignments.partyInService(tx, 'technician', input.technicianId, 'update'))) {
      throw fleetProblems.technicianNotFound(input.technicianId);
    }
    await store.releaseReturnedReservations(tx, input);
    const id = await store.insertReservation(tx, { ...input, startsAt, endsAt, notes: input.notes ?? null }, audit.actor);
    const reservation = (await store.findReservation(tx, id))!;
    await recordAudit(tx, audit, {
      action: 'create',
      entityType: 'reservation',
      entityId: id,
      before: null,
      after: JSON.parse(reservation) as unknown,
    });
    return reservation;
  });
}

/**
 * Cancels a booking, which then stays readable and no longer blocks its hours: 404 unknown, 409
 * once started; a reservation already cancelled stays so, and nothing is written.
 */
export function cancelReservation(db: Database, id: number, audit: AuditContext): Promise<void> {
  return db.transaction(async (tx) => {
    const held = await store.lockReservation(tx, id);
    if (!held) throw fleetProblems.reservationNotFound(id);
    if (held.status === 'started') throw fleetProblems.reservationStarted(id);
    if (held.status === 'cancelled') return;
    const before = (await store.findReservation(tx, id))!;
    await store.setReservationStatus(tx, id, { status: 'cancelled' });
    const after = (await store.findReservation(tx, id))!;
    await recordAudit(tx, audit, {
      action: 'cancel',
      entityType: 'reservation',
      entityId: id,
      before: JSON.parse(before) as unknown,
      after: JSON.parse(after) as unknown,
    });
  });
}

/**
 * Turns a booking into an assignment due back at its endsAt, in one transaction: 404 unknown;
 * 409 when it is not booked, has ended, or either party holds an active assignment now (the
 * partial unique indexes, which roll the whole start back). The assignment's API object as JSON text.
 */
export function startReservation(db: Database, id: number, audit: AuditContext): Promise<string> {
  return db.transaction(async (tx) => {
    const held = await store.lockReservation(tx, id);
    if (!held) throw fleetProblems.reservationNotFound(id);
    if (held.status !== 'booked') throw fleetProblems.reservationNotBooked(id, held.status);
    if (held.ended) throw fleetProblems.reservationEnded(id);
    if (!(await assignments.partyInService(tx, 'vehicle', held.vehicleId))) throw fleetProblems.vehicleNotFound(held.vehicleId);
    if (!(await assignments.partyInService(tx, 'technician', held.technicianId))) throw fleetProblems.technicianNotFound(held.technicianId);
    const before = (await store.findReservation(tx, id))!;
    const assignmentId = await assignments.insertAssignment(
      tx,
      { vehicleId: held.vehicleId, technicianId: held.technicianId, expectedReturnAt: held.endsAt, notes: held.notes },
      audit.actor,
    );
    await store.setReservationStatus(tx, id, { status: 'started', assignmentId });
    const after = (await store.findReservation(tx, id))!;
    const assignment = (await assignments.assignmentsJson(tx, [assignmentId])).get(assignmentId)!;
    await recordAudit(
      tx,
      audit,
      {
        action: 'start',
        entityType: 'reservation',
        entityId: id,
        before: JSON.parse(before) as unknown,
        after: JSON.parse(after) as unknown,
      },
      { action: 'assign', entityType: 'assignment', entityId: assignmentId, before: null, after: JSON.parse(assignment) as unknown },
    );
    return assignment;
  });
}
