import { Type } from 'typebox';
import type { Static } from 'typebox';
import { AUDIT_ACTIONS, ENTITY_TYPES } from '../platform/audit.ts';
import { Nullable, ref, Timestamp } from '../platform/schemas.ts';

const EntityType = Type.Union(ENTITY_TYPES.map((type) => Type.Literal(type)));
const Action = Type.Union(AUDIT_ACTIONS.map((action) => Type.Literal(action)));

export const AuditEntry = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    at: Timestamp,
    actor: Type.String({ description: "the token's sub; for a failed sign-in, the email tried" }),
    actorIssuer: Nullable(
      Type.String({
        description:
          "who vouched for the actor: `allot` for a token this server signed, else the identity provider's `iss`; null for sign-ins",
      }),
    ),
    action: Action,
    entityType: EntityType,
    entityId: Nullable(Type.String({ description: "the entity's id as a string; null for a failed sign-in of an unknown email" })),
    requestId: Type.String({ description: 'the X-Request-Id of the request that made the change' }),
    before: Type.Unknown({ description: "the entity's API object before the change; null where there is none" }),
    after: Type.Unknown({ description: "the entity's API object after the change; null where there is none" }),
  },
  { $id: 'AuditEntry', description: 'One change, written in the transaction that made it; never changed or removed' },
);
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditLogQuery = Type.Object({
  entityType: Type.Optional(EntityType),
  entityId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
  action: Type.Optional(Action),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'page size' }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
});
export type AuditLogQuery = Static<typeof AuditLogQuery>;

export const AuditLogBody = Type.Object({
  entries: Type.Array(ref(AuditEntry)),
  nextCursor: Nullable(Type.String({ description: 'pass as cursor for the next page; null on the last' })),
});
