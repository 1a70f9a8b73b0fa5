import { Type } from 'typebox';
import { Timestamp } from '../../platform/schemas.ts';
import { UserRef } from '../users.schemas.ts';

export const Login = Type.Object(
  { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 256 }) },
  { additionalProperties: false },
);

export const LoginResult = Type.Object({
  token: Type.String({ description: 'send as Authorization: Bearer <token>' }),
  expires_at: Timestamp,
  user: UserRef,
});
