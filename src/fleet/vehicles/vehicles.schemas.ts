import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Nullable, ref, Timestamp } from '../../platform/schemas.ts';
import { Id, Text } from '../common.schemas.ts';

const fields = {
  plateNumber: Text(32, 'unique among vehicles in service, ignoring case'),
  make: Nullable(Text(100)),
  model: Nullable(Text(100)),
  year: Nullable(Type.Integer({ minimum: 1886, maximum: 2100 })),
  vin: Nullable(Type.String({ minLength: 1, maxLength: 17, pattern: '^[A-Za-z0-9]+$', description: 'unique among vehicles in service' })),
};

const Odometer = Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'the last reading; a new one may not be below it' });

export const Vehicle = Type.Object(
  {
    id: Id,
    ...fields,
    odometer: Nullable(Odometer),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    activeAssignmentId: Nullable(Id),
  },
  { $id: 'Vehicle' },
);
export type Vehicle = Static<typeof Vehicle>;
export const VehicleRef = ref(Vehicle);

export const CreateVehicle = Type.Object(
  {
    plateNumber: fields.plateNumber,
    make: Type.Optional(fields.make),
    model: Type.Optional(fields.model),
    year: Type.Optional(fields.year),
    vin: Type.Optional(fields.vin),
    odometer: Type.Optional(Nullable(Odometer)),
  },
  { additionalProperties: false },
);
export type CreateVehicle = Static<typeof CreateVehicle>;

export const UpdateVehicle = Type.Partial(Type.Object({ ...fields, odometer: Odometer }), {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateVehicle = Static<typeof UpdateVehicle>;

export const VehicleListQuery = Type.Object({
  available: Type.Optional(Type.Boolean({ description: 'true: only vehicles without an active assignment; false: only assigned ones' })),
});

export const VehicleBody = Type.Object({ vehicle: VehicleRef });
export const VehicleListBody = Type.Object({ vehicles: Type.Array(VehicleRef) });
