import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Nullable, ref, Timestamp } from '../../platform/schemas.ts';
import { Id, Text } from '../common.schemas.ts';

const fields = {
  name: Text(200),
  email: Type.String({ format: 'email', maxLength: 254, description: 'unique among technicians in service, ignoring case' }),
  phone: Nullable(Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9+()./ -]+$' })),
};

export const Technician = Type.Object(
  {
    id: Id,
    ...fields,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    activeAssignmentId: Nullable(Id),
  },
  { $id: 'Technician' },
);
export type Technician = Static<typeof Technician>;
export const TechnicianRef = ref(Technician);

export const CreateTechnician = Type.Object(
  { name: fields.name, email: fields.email, phone: Type.Optional(fields.phone) },
  { additionalProperties: false },
);
export type CreateTechnician = Static<typeof CreateTechnician>;

export const UpdateTechnician = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });
export type UpdateTechnician = Static<typeof UpdateTechnician>;

export const TechnicianListQuery = Type.Object({
  available: Type.Optional(Type.Boolean({ description: 'true: only technicians without an active assignment; false: only busy ones' })),
});

export const TechnicianBody = Type.Object({ technician: TechnicianRef });
export const TechnicianListBody = Type.Object({ technicians: Type.Array(TechnicianRef) });
