import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Nullable, ref, Timestamp, Uuid } from '../../platform/schemas.ts';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Label = (maxLength = 200) => Type.String({ maxLength });

/** The project object of the Project API, in its published field order. */
export const Project = Type.Object(
  {
    project_id: Uuid,
    project_name: Type.String(),
    project_start_date: Nullable(Day),
    project_end_date: Nullable(Day),
    country: Nullable(Type.String()),
    project_description: Nullable(Type.String()),
    project_type: Nullable(Type.String()),
    total_area: Nullable(Type.Number()),
    area_unit: Nullable(Type.String()),
    project_developer: Nullable(Type.String()),
    crediting_period: Nullable(Type.String()),
    registry: Nullable(Type.String()),
    sdg: Type.Array(Type.String()),
    owner_user_id: Nullable(Uuid),
    project_status: Type.String(),
    has_carbon_module: Type.Boolean(),
    has_biodiversity_module: Type.Boolean(),
    has_environmental_module: Type.Boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
    site_count: Type.Integer(),
  },
  { $id: 'Project', description: "A project users are assigned to; its organization is its owner's email domain" },
);
export type Project = Static<typeof Project>;
export const ProjectRef = ref(Project);

/** Every field a client may set; PATCH takes any of them, create needs project_name. */
const writable = {
  project_name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  project_start_date: Nullable(Day),
  project_end_date: Nullable({ ...Day, description: 'YYYY-MM-DD, not before project_start_date' }),
  country: Nullable(Label(100)),
  project_description: Nullable(Label(5000)),
  project_type: Nullable(Label()),
  total_area: Nullable(Type.Number({ minimum: 0 })),
  area_unit: Nullable(Label(50)),
  project_developer: Nullable(Label()),
  crediting_period: Nullable(Label(100)),
  registry: Nullable(Label()),
  sdg: Type.Array(Label(), { maxItems: 100 }),
  owner_user_id: Nullable({ ...Uuid, description: "the owner's email domain is the project's organization" }),
  project_status: Type.String({ minLength: 1, maxLength: 50 }),
  has_carbon_module: Type.Boolean(),
  has_biodiversity_module: Type.Boolean(),
  has_environmental_module: Type.Boolean(),
  site_count: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
};

const { project_name, ...optional } = writable;

export const CreateProject = Type.Object(
  { project_name, ...Type.Partial(Type.Object(optional)).properties },
  { additionalProperties: false },
);
export type CreateProject = Static<typeof CreateProject>;

export const UpdateProject = Type.Partial(Type.Object(writable), { additionalProperties: false, minProperties: 1 });
export type UpdateProject = Static<typeof UpdateProject>;

export const ProjectIdParams = Type.Object({ project_id: Uuid });
