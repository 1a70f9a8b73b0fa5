import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Nullable, ref, Timestamp } from '../../platform/schemas.ts';
import { Id } from '../common.schemas.ts';
import { TechnicianRef } from '../technicians/technicians.schemas.ts';
import { VehicleRef } from '../vehicles/vehicles.schemas.ts';

const Notes = Nullable(Type.String({ maxLength: 2000 }));
const Reading = Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: "the vehicle's odometer; not below its last reading" });
const DueAt = { ...Timestamp, description: 'when the vehicle is due back; after now' };

export const AssignmentStatus = Type.Union([Type.Literal('active'), Type.Literal('returned')]);

export const Assignment = Type.Object(
  {
    id: Id,
    vehicleId: Id,
    technicianId: Id,
    status: AssignmentStatus,
    assignedAt: Timestamp,
    returnedAt: Nullable(Timestamp),
    assignedBy: Type.String({ description: 'sub of the token that assigned' }),
    returnedBy: Nullable(Type.String({ description: 'sub of the token that returned' })),
    notes: Notes,
    expectedReturnAt: Nullable(Timestamp),
    overdue: Type.Boolean({ description: 'active and past expectedReturnAt' }),
    startOdometer: Nullable(Type.Integer({ minimum: 0 })),
    endOdometer: Nullable(Type.Integer({ minimum: 0 })),
    distance: Nullable(Type.Integer({ minimum: 0, description: 'endOdometer - startOdometer; null unless both are known' })),
    vehicle: VehicleRef,
    technician: TechnicianRef,
  },
  { $id: 'Assignment', description: 'A vehicle held by a technician, from assignedAt until returnedAt' },
);
export type Assignment = Static<typeof Assignment>;
export const AssignmentRef = ref(Assignment);

export const CreateAssignment = Type.Object(
  {
    vehicleId: { ...Id, description: 'ID of the vehicle to assign' },
    technicianId: { ...Id, description: 'ID of the technician to assign' },
    notes: Type.Optional(Notes),
    expectedReturnAt: Type.Optional(DueAt),
    startOdometer: Type.Optional(Reading),
  },
  { additionalProperties: false },
);
export type CreateAssignment = Static<typeof CreateAssignment>;

export const ReturnAssignment = Type.Object(
  { notes: Type.Optional({ ...Notes, description: 'replaces the notes when given' }), endOdometer: Type.Optional(Reading) },
  { additionalProperties: false },
);

export const UpdateAssignment = Type.Object(
  {
    expectedReturnAt: Type.Optional(Nullable({ ...DueAt, description: 'when the vehicle is due back (after now); null: no due date' })),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAssignment = Static<typeof UpdateAssignment>;

/** Hands the assignment to another technician, or its technician another vehicle. */
export const TransferAssignment = Type.Union(
  [
    Type.Object({ technicianId: { ...Id, description: 'the technician who takes the vehicle over' } }, { additionalProperties: false }),
    Type.Object({ vehicleId: { ...Id, description: 'the vehicle the technician takes instead' } }, { additionalProperties: false }),
  ],
  { description: 'exactly one of technicianId and vehicleId' },
);
export type TransferAssignment = Static<typeof TransferAssignment>;

export const BulkReturn = Type.Object(
  {
    ids: Type.Array(Id, { minItems: 1, maxItems: 500, uniqueItems: true, description: 'the active assignments to return, all or none' }),
    notes: Type.Optional({ ...Notes, description: 'replaces the notes of each when given' }),
  },
  { additionalProperties: false },
);
export type BulkReturn = Static<typeof BulkReturn>;

export const AssignmentListQuery = Type.Object({
  status: Type.Optional(AssignmentStatus),
  vehicleId: Type.Optional(Id),
  technicianId: Type.Optional(Id),
  overdue: Type.Optional(
    Type.Boolean({ description: 'true: only the overdue ones, most overdue first; false: only those that are not overdue' }),
  ),
  assignedFrom: Type.Optional({ ...Timestamp, description: 'assigned at or after this instant' }),
  assignedTo: Type.Optional({ ...Timestamp, description: 'assigned before this instant' }),
  returnedFrom: Type.Optional({ ...Timestamp, description: 'returned at or after this instant' }),
  returnedTo: Type.Optional({ ...Timestamp, description: 'returned before this instant' }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'page size; without it, every match' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
});
export type AssignmentListQuery = Static<typeof AssignmentListQuery>;

/** The export takes the list's filters; it has no pages. */
export const AssignmentExportQuery = Type.Omit(AssignmentListQuery, ['limit', 'cursor']);
export type AssignmentExportQuery = Static<typeof AssignmentExportQuery>;

/** A vehicle's or a technician's history: the list's page, for one party. */
export const AssignmentHistoryQuery = Type.Pick(AssignmentListQuery, ['limit', 'cursor']);
export type AssignmentHistoryQuery = Static<typeof AssignmentHistoryQuery>;

export const AssignmentBody = Type.Object({ assignment: AssignmentRef });
export const TransferBody = Type.Object({
  assignment: { ...AssignmentRef, description: 'the new assignment' },
  previous: { ...AssignmentRef, description: 'the assignment it replaced, returned at the instant the new one starts' },
});
export const AssignmentsBody = Type.Object({ assignments: Type.Array(AssignmentRef) });
export const AssignmentListBody = Type.Object({
  assignments: Type.Array(AssignmentRef),
  nextCursor: Nullable(Type.String({ description: 'pass as cursor for the next page; null on the last' })),
});
