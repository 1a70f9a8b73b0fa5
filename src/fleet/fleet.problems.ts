import { badRequest, conflict, notFound, Problem } from '../platform/problems.ts';
import type { ConstraintProblems } from '../platform/problems.ts';

const assignmentIds = (ids: number[]) => `${ids.length === 1 ? 'assignment' : 'assignments'} ${ids.join(', ')}`;

/** Every error of the Fleet API beyond the platform's, each with its own slug. */
export const fleetProblems = {
  vehicleNotFound: (id: number) => notFound('vehicle-not-found', `vehicle ${id} does not exist`),
  technicianNotFound: (id: number) => notFound('technician-not-found', `technician ${id} does not exist`),
  assignmentNotFound: (id: number) => notFound('assignment-not-found', `assignment ${id} does not exist`),
  vehicleBusy: (id: string | number) => conflict('vehicle-busy', `vehicle ${id} already has an active assignment`),
  technicianBusy: (id: string | number) => conflict('technician-busy', `technician ${id} already has an active assignment`),
  vehicleStillAssigned: (id: number) =>
    conflict('vehicle-assigned', `vehicle ${id} has an active assignment; return it before deleting the vehicle`),
  technicianStillAssigned: (id: number) =>
    conflict('technician-assigned', `technician ${id} has an active assignment; return it before deleting the technician`),
  assignmentAlreadyReturned: (id: number) => conflict('assignment-returned', `assignment ${id} is already returned`),
  assignmentsNotFound: (ids: number[]) =>
    notFound('assignments-not-found', `${assignmentIds(ids)} ${ids.length === 1 ? 'does' : 'do'} not exist; none was returned`),
  assignmentsAlreadyReturned: (ids: number[]) =>
    conflict('assignments-returned', `${assignmentIds(ids)} ${ids.length === 1 ? 'is' : 'are'} already returned; none was returned`),
  odometerBackwards: (reading?: number, current?: number | null) =>
    badRequest(
      'odometer-backwards',
      reading === undefined ? 'odometer cannot go backwards' : `odometer cannot go backwards: ${reading} is below the vehicle's ${current}`,
    ),
  dueDateNotAhead: () => badRequest('due-date-passed', 'expectedReturnAt must be after now'),
  reservationNotFound: (id: number) => notFound('reservation-not-found', `reservation ${id} does not exist`),
  vehicleReserved: (id: string) =>
    conflict('vehicle-reserved', `vehicle ${id} is already reserved for part of that time (a booking may start when another ends)`),
  technicianReserved: (id: string) =>
    conflict('technician-reserved', `technician ${id} is already reserved for part of that time (a booking may start when another ends)`),
  reservationNotBooked: (id: number, status: string) => conflict('reservation-not-booked', `reservation ${id} is ${status}, not booked`),
  reservationStarted: (id: number) => conflict('reservation-started', `reservation ${id} has started; return its assignment instead`),
  reservationEnded: (id: number) => conflict('reservation-ended', `reservation ${id} ended; book the vehicle again`),
  reservationEndPassed: () => badRequest('reservation-ends-passed', 'endsAt must be after now'),
  exportsBusy: () =>
    new Problem(503, 'exports-busy', 'as many exports as this server runs at once are under way; try again shortly', {
      'retry-after': '5',
    }),
  invalidInstant: (field: string) => badRequest('invalid-instant', `${field} is not an instant this server can store (a leap second?)`),
  emptyWindow: (from: string, to: string) => badRequest('empty-window', `${from} must be before ${to}`),
  plateNumberTaken: () => conflict('plate-number-taken', 'another vehicle in service already has this plate number'),
  vinTaken: () => conflict('vin-taken', 'another vehicle in service already has this VIN'),
  technicianEmailTaken: () => conflict('technician-email-taken', 'another technician already has this email'),
} as const;

/** The fleet's constraints: the one-active rules and the uniqueness of plates, VINs and emails. */
export const fleetConstraints: ConstraintProblems = {
  assignments_one_active_per_vehicle: (key) => fleetProblems.vehicleBusy(key ?? 'the'),
  assignments_one_active_per_technician: (key) => fleetProblems.technicianBusy(key ?? 'the'),
  vehicles_plate_number_key: () => fleetProblems.plateNumberTaken(),
  vehicles_vin_key: () => fleetProblems.vinTaken(),
  // An exclusion constraint's key (as keyValue reads it from the detail) starts with the party's id: 5, ["2026-…","2026-…").
  reservations_vehicle_no_overlap: (key) => fleetProblems.vehicleReserved(/^\d+/.exec(key ?? '')?.[0] ?? 'the'),
  reservations_technician_no_overlap: (key) => fleetProblems.technicianReserved(/^\d+/.exec(key ?? '')?.[0] ?? 'the'),
  vehicles_odometer_check: () => fleetProblems.odometerBackwards(),
  assignments_odometer_check: () => fleetProblems.odometerBackwards(),
  technicians_email_key: () => fleetProblems.technicianEmailTaken(),
};
