import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Nullable, ref, Timestamp } from '../../platform/schemas.ts';
import { Id } from '../common.schemas.ts';
import { TechnicianRef } from '../technicians/technicians.schemas.ts';
import { VehicleRef } from '../vehicles/vehicles.schemas.ts';

const Notes = Nullable(Type.String({ maxLength: 2000 }));

export const ReservationStatus = Type.Union([Type.Literal('booked'), Type.Literal('started'), Type.Literal('cancelled')]);

export const Reservation = Type.Object(
  {
    id: Id,
    vehicleId: Id,
    technicianId: Id,
    startsAt: Timestamp,
    endsAt: { ...Timestamp, description: 'the end of the booked interval, not part of it: another booking may start then' },
    status: ReservationStatus,
    assignmentId: Nullable({ ...Id, description: 'the assignment the reservation started' }),
    notes: Notes,
    createdBy: Type.String({ description: 'sub of the token that booked' }),
    createdAt: Timestamp,
    vehicle: VehicleRef,
    technician: TechnicianRef,
  },
  {
    $id: 'Reservation',
    description: 'A vehicle booked for a technician over [startsAt, endsAt); a booking that is not cancelled blocks those hours for both',
  },
);
export type Reservation = Static<typeof Reservation>;
export const ReservationRef = ref(Reservation);

export const CreateReservation = Type.Object(
  {
    vehicleId: Id,
    technicianId: Id,
    startsAt: Timestamp,
    endsAt: { ...Timestamp, description: 'after startsAt and after now' },
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false },
);
export type CreateReservation = Static<typeof CreateReservation>;

export const ReservationListQuery = Type.Object({
  vehicleId: Type.Optional(Id),
  technicianId: Type.Optional(Id),
  status: Type.Optional(ReservationStatus),
  from: Type.Optional({ ...Timestamp, description: 'only reservations that end after this instant' }),
  to: Type.Optional({ ...Timestamp, description: 'only reservations that start before this instant' }),
});
export type ReservationListQuery = Static<typeof ReservationListQuery>;

export const ReservationBody = Type.Object({ reservation: ReservationRef });
export const ReservationListBody = Type.Object({ reservations: Type.Array(ReservationRef) });
