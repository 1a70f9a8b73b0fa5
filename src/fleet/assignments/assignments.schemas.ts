import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Nullable, ref, Timestamp } from '../../platform/schemas.ts';
import { Id } from '../common.schemas.ts';
import { TechnicianRef } from '../technicians/technicians.schemas.ts';
import { VehicleRef } from '../vehicles/vehicles.schemas.ts';

const Notes = Nullable(Type.String({ maxLength: 2000 }));

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
  },
  { additionalProperties: false },
);
export type CreateAssignment = Static<typeof CreateAssignment>;

export const ReturnAssignment = Type.Object(
  { notes: Type.Optional({ ...Notes, description: 'replaces the notes when given' }) },
  { additionalProperties: false },
);

export const AssignmentListQuery = Type.Object({
  status: Type.Optional(AssignmentStatus),
  vehicleId: Type.Optional(Id),
  technicianId: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'page size; without it, every match' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
});
export type AssignmentListQuery = Static<typeof AssignmentListQuery>;

/** A vehicle's or a technician's history: the list's page, for one party. */
export const AssignmentHistoryQuery = Type.Pick(AssignmentListQuery, ['limit', 'cursor']);
export type AssignmentHistoryQuery = Static<typeof AssignmentHistoryQuery>;

export const AssignmentBody = Type.Object({ assignment: AssignmentRef });
export const AssignmentListBody = Type.Object({
  assignments: Type.Array(AssignmentRef),
  nextCursor: Nullable(Type.String({ description: 'pass as cursor for the next page; null on the last' })),
});
