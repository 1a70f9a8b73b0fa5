import type { FastifyRequest } from 'fastify';
import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { auditLog } from '../db/schema.ts';
import { actor } from './auth.ts';
import type { Executor } from './db.ts';
import { markApplied } from './idempotency.ts';
import type { IdempotencyClaim } from './idempotency.ts';

export const ENTITY_TYPES = ['vehicle', 'technician', 'assignment', 'reservation', 'user', 'project', 'project_assignment'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export const AUDIT_ACTIONS = [
  'create',
  'update',
  'delete',
  'retire',
  'assign',
  'return',
  'transfer',
  'cancel',
  'start',
  'bulk_create',
  'login',
  'login_failed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Who made a change and in which request: the token's subject and the X-Request-Id; and the
 * Idempotency-Key the request holds, which the change marks applied in its own transaction.
 */
export interface AuditContext {
  actor: string;
  /** Who vouched for the actor (the token's issuer); absent for sign-ins, which have no token. */
  actorIssuer?: string;
  requestId: string;
  idempotencyClaim?: IdempotencyClaim | null;
}

export function auditContext(request: FastifyRequest): AuditContext {
  return {
    actor: actor(request),
    actorIssuer: request.principal?.issuer,
    requestId: String(request.id),
    idempotencyClaim: request.idempotencyClaim,
  };
}

export interface AuditEntry {
  action: AuditAction;
  entityType: EntityType;
  entityId: string | number | null;
  /** The entity's API object before and after the change; null where there is none. */
  before: unknown;
  after: unknown;
}

/**
 * Writes the entries of one change. Called inside the change's transaction, so that a change whose
 * entry cannot be written does not happen, and a change rolled back leaves no entry. Every change
 * passes here, so here its Idempotency-Key, if any, is marked applied, in the same transaction.
 */
export async function recordAudit(db: Executor, context: AuditContext, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  if (context.idempotencyClaim) await markApplied(db, context.idempotencyClaim);
  await db.insert(auditLog).values(
    entries.map((entry) => ({
      actor: context.actor,
      actorIssuer: context.actorIssuer ?? null,
      requestId: context.requestId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId === null ? null : String(entry.entityId),
      before: entry.before ?? null,
      after: entry.after ?? null,
    })),
  );
}

/**
 * For a change made in one statement (no transaction round trips): the body of a CTE that is one
 * row when `proceed` holds and this request still owns its Idempotency-Key, which it then locks
 * until the statement commits. The change's own CTE selects from it, so that a key taken over
 * meanwhile stops the change, as markApplied does in a transaction. Without a key it is one row
 * when `proceed` holds.
 */
export function keyFence(context: AuditContext, proceed: SQL): SQL {
  const claim = context.idempotencyClaim;
  if (!claim) return sql`select 1 as fenced where ${proceed}`;
  return sql`select 1 as fenced from idempotency_keys
    where subject = ${claim.subject} and key = ${claim.key} and owner = ${claim.owner} and ${proceed}
    for update`;
}

/**
 * For a change made in one statement: the body of a CTE that marks the key applied and keeps its
 * answer (status and JSON body, built over `from`) in the same statement, for each row of `from`.
 * The caller sets `kept` on the claim once the statement succeeded, and sends that very body.
 */
export function keptAnswer(context: AuditContext, answer: { status: number; body: SQL; from: SQL }): SQL {
  const claim = context.idempotencyClaim;
  if (!claim) return sql`select 1`;
  return sql`update idempotency_keys
    set applied = true, status = ${answer.status}, headers = ${JSON.stringify({ 'content-type': 'application/json; charset=utf-8' })}::jsonb,
      body = ${answer.body}
    from ${answer.from}
    where subject = ${claim.subject} and key = ${claim.key} and owner = ${claim.owner}`;
}

/**
 * For a change made in one statement: the body of a CTE that writes an entry for each row of
 * `from`, with the entity's id and its API objects before and after as SQL over that row.
 */
export function auditEntries(
  context: AuditContext,
  entry: { action: AuditAction; entityType: EntityType; entityId: SQL; before: SQL; after: SQL; from: SQL },
): SQL {
  return sql`insert into audit_log (actor, actor_issuer, request_id, action, entity_type, entity_id, before, after)
    select ${context.actor}, ${context.actorIssuer ?? null}, ${context.requestId}, ${entry.action}, ${entry.entityType},
      (${entry.entityId})::text, ${entry.before}, ${entry.after}
    from ${entry.from}`;
}
