import { Type } from 'typebox';
import type { Static } from 'typebox';
import { ref, Timestamp, Uuid } from '../platform/schemas.ts';

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

export const Role = Type.Union([Type.Literal('Admin'), Type.Literal('Employee'), Type.Literal('Dev')]);
export const UserStatus = Type.Union([Type.Literal('active'), Type.Literal('inactive')]);
const Roles = Type.Array(Role, { minItems: 1, maxItems: 3, uniqueItems: true });
const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: 8, maxLength: 256, description: 'stored only as a salted scrypt hash' });

/** The user object of the Project API; no password field, ever. */
export const User = Type.Object(
  {
    user_id: Uuid,
    email: Type.String(),
    first_name: Type.String(),
    last_name: Type.String(),
    role: Type.Array(Role),
    status: UserStatus,
    is_email_verified: Type.Boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'User', description: 'A person who signs in or is assigned to projects; never shows a password' },
);
export type User = Static<typeof User>;
export const UserRef = ref(User);

export const CreateUser = Type.Object(
  {
    email: Email,
    first_name: Name,
    last_name: Name,
    role: Roles,
    status: Type.Optional(UserStatus),
    is_email_verified: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
);
export type CreateUser = Static<typeof CreateUser>;

export const UpdateUser = Type.Partial(
  Type.Object({
    email: Email,
    first_name: Name,
    last_name: Name,
    role: Roles,
    status: UserStatus,
    is_email_verified: Type.Boolean(),
    password: Type.Union([Password, Type.Null()], { description: 'null removes the password: the user can no longer sign in' }),
  }),
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUser = Static<typeof UpdateUser>;

export const UserIdParams = Type.Object({ user_id: Uuid });
