import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { Type } from 'typebox';
import { idempotencyKeys } from '../db/schema.ts';
import { actor } from './auth.ts';
import { queryRows } from './db.ts';
import type { Database, Executor } from './db.ts';
import { errors } from './openapi.ts';
import { Problem } from './problems.ts';

/**
 * Idempotency-Key on the POSTs of both APIs. The first request with a key claims it (one INSERT);
 * its response, 2xx or 4xx, is kept with the key for 24 hours and given again, with
 * `Idempotent-Replayed: true`, to every retry with the same key and the same request. An answer
 * that says to retry (a 5xx, or one with Retry-After) is not kept: the retry runs afresh. Keys
 * belong to the token's subject.
 *
 * Everything lives in PostgreSQL rows, nothing in a session, so it holds across replicas and
 * through a transaction pooler: a retry that finds the key still running polls the row until the
 * answer is there, and after a bounded wait is told to retry (409). The claim is fenced: the
 * change's own transaction marks the key applied, and only while its request still owns it (see
 * markApplied). So a request that is slow, not dead, cannot be run a second time by a retry that
 * took its key over, and a key whose change was made is never given up.
 */

export const KEEP_HOURS = 24;
/** How long a running request holds its key before a retry may take it over (if it made no change). */
const LEASE_SECONDS = 60;
/** How long a retry waits for the first request before it is told to retry (409). */
const WAIT_MS = 5_000;
const POLL_MS = 100;
const PURGE_EVERY_MS = 10 * 60_000;
const PURGE_BATCH = 1_000;
/** The response headers a replay repeats; the others (request id, date…) are the retry's own. */
const REPLAYED_HEADERS = ['content-type', 'location'];

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x20-\\x7E]+$',
      description:
        'Makes a retry safe: the first response to this key (1…255 printable ASCII characters) is kept 24 hours and ' +
        'returned again, with Idempotent-Replayed: true, for the same request; another request with it → 422.',
    }),
  ),
});

export const idempotencyProblems = {
  keyReused: () => new Problem(422, 'idempotency-key-reused', 'this Idempotency-Key was used before with another method, path or body'),
  keyInProgress: () =>
    new Problem(409, 'idempotency-key-in-progress', 'a request with this Idempotency-Key is still running; retry after Retry-After', {
      'retry-after': '1',
    }),
  outcomeLost: (requestId: string) =>
    new Problem(
      409,
      'idempotency-key-outcome-lost',
      `the request with this Idempotency-Key (request id ${requestId}) made its change, but its response was not kept; ` +
        'the audit log has the change under that request id',
    ),
};

/** The key a request holds while it runs as the key's first. */
export interface IdempotencyClaim {
  subject: string;
  key: string;
  /** Made by this server for this request: the fence that markApplied checks. */
  owner: string;
  /** Set when the change's own statement kept its answer with the key (see keptAnswer in audit.ts). */
  kept?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyClaim: IdempotencyClaim | null;
  }
}

interface KeyRow {
  fingerprint: string;
  owner: string;
  requestId: string;
  applied: boolean;
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
  expired: boolean;
  leaseExpired: boolean;
}

/** A canonical form of JSON: object keys sorted, so that key order is not a different request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? '';
}

/** The request as the route understood it: `/assignments/` and `/assignments` are one request. */
function fingerprintOf(request: FastifyRequest): string {
  const parts = { params: request.params, query: request.query, body: request.body };
  return createHash('sha256')
    .update(`${request.method} ${request.routeOptions.url ?? request.url}\n${canonicalJson(parts)}`)
    .digest('base64url');
}

const leaseEnd = sql`now() + make_interval(secs => ${LEASE_SECONDS})`;
const keyOf = (claim: Pick<IdempotencyClaim, 'subject' | 'key'>) =>
  and(eq(idempotencyKeys.subject, claim.subject), eq(idempotencyKeys.key, claim.key));

async function insertKey(db: Database, claim: IdempotencyClaim, fingerprint: string, requestId: string): Promise<boolean> {
  const inserted = await queryRows<{ owner: string }>(
    db,
    sql`insert into idempotency_keys (subject, key, owner, fingerprint, request_id, locked_until)
        values (${claim.subject}, ${claim.key}, ${claim.owner}, ${fingerprint}, ${requestId}, ${leaseEnd})
        on conflict do nothing
        returning owner`,
  );
  return inserted.length === 1;
}

async function readKey(db: Database, claim: IdempotencyClaim): Promise<KeyRow | undefined> {
  const [row] = await queryRows<KeyRow>(
    db,
    sql`select fingerprint, owner, request_id as "requestId", applied, status, headers, body,
               created_at < now() - make_interval(hours => ${KEEP_HOURS}) as expired,
               locked_until < now() as "leaseExpired"
        from idempotency_keys where subject = ${claim.subject} and key = ${claim.key}`,
  );
  return row;
}

/**
 * Takes the key from its previous owner: a key kept longer than 24 hours, or one whose request died
 * before making its change. The compare-and-set on the owner lets one retry win; and since the
 * owner's transaction holds the row locked from markApplied to its commit, a take-over racing it
 * waits, then finds `applied` set and takes nothing.
 */
async function takeOver(db: Database, claim: IdempotencyClaim, previous: KeyRow, fingerprint: string, requestId: string): Promise<boolean> {
  const taken = await db
    .update(idempotencyKeys)
    .set({
      owner: claim.owner,
      fingerprint,
      requestId,
      applied: false,
      status: null,
      headers: null,
      body: null,
      lockedUntil: leaseEnd,
      createdAt: sql`now()`,
    })
    .where(
      and(
        keyOf(claim),
        eq(idempotencyKeys.owner, previous.owner),
        previous.expired ? undefined : and(isNull(idempotencyKeys.status), eq(idempotencyKeys.applied, false)),
      ),
    )
    .returning({ owner: idempotencyKeys.owner });
  return taken.length === 1;
}

/**
 * Marks the key applied, inside the change's transaction, if this request still owns it; the row
 * stays locked until that transaction ends. A request whose key was taken over meanwhile (it was
 * slower than its lease) makes no change: its transaction is rolled back with a 409.
 */
export async function markApplied(tx: Executor, claim: IdempotencyClaim): Promise<void> {
  const marked = await tx
    .update(idempotencyKeys)
    .set({ applied: true })
    .where(and(keyOf(claim), eq(idempotencyKeys.owner, claim.owner)))
    .returning({ owner: idempotencyKeys.owner });
  if (marked.length === 0) throw idempotencyProblems.keyInProgress();
}

function replay(reply: FastifyReply, row: KeyRow): FastifyReply {
  return reply
    .code(row.status ?? 500)
    .headers(row.headers ?? {})
    .header('idempotent-replayed', 'true')
    .send(row.body ?? '');
}

/**
 * What a request with a key does before its handler: run as the key's first (returns undefined),
 * or answer with the kept response, a 422 for another request, or a 409 while the first still runs.
 */
async function beforeHandler(db: Database, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return undefined;
  const claim = { subject: actor(request), key, owner: randomUUID() };
  const fingerprint = fingerprintOf(request);
  const requestId = String(request.id);
  const deadline = Date.now() + WAIT_MS;

  for (let first = true; ; first = false) {
    // Most keys are new: at first, taking the key is tried before reading it. Later passes read
    // first: an insert that meets the key waits for a transaction holding its row, a read does not.
    if (first && (await insertKey(db, claim, fingerprint, requestId))) break;
    const row = await readKey(db, claim);
    if (!row) {
      if (await insertKey(db, claim, fingerprint, requestId)) break;
      continue;
    }
    if (row.expired) {
      if (await takeOver(db, claim, row, fingerprint, requestId)) break;
      continue;
    }
    if (row.fingerprint !== fingerprint) throw idempotencyProblems.keyReused();
    if (row.status !== null) return replay(reply, row);
    if (row.leaseExpired) {
      if (row.applied) throw idempotencyProblems.outcomeLost(row.requestId);
      if (await takeOver(db, claim, row, fingerprint, requestId)) break;
      continue;
    }
    if (Date.now() >= deadline) throw idempotencyProblems.keyInProgress();
    await sleep(POLL_MS);
  }
  request.idempotencyClaim = claim;
  return undefined;
}

/**
 * Keeps the response of the key's first request. An answer that says to retry is not kept, and the
 * key is given up — unless its change was made: then the key stays, unanswerable, and retries are
 * told the outcome was lost rather than making the change twice.
 */
async function keepResponse(db: Database, request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
  const claim = request.idempotencyClaim;
  if (!claim) return;
  request.idempotencyClaim = null;
  if (claim.kept) return;
  const mine = and(keyOf(claim), eq(idempotencyKeys.owner, claim.owner));
  const transient = reply.statusCode >= 500 || reply.hasHeader('retry-after') || typeof payload !== 'string';
  try {
    if (transient) {
      const released = await db
        .delete(idempotencyKeys)
        .where(and(mine, eq(idempotencyKeys.applied, false)))
        .returning({ key: idempotencyKeys.key });
      if (released.length === 0)
        await db
          .update(idempotencyKeys)
          .set({ lockedUntil: sql`now()` })
          .where(mine);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const kept = await db
      .update(idempotencyKeys)
      .set({ status: reply.statusCode, headers, body: payload })
      .where(mine)
      .returning({ key: idempotencyKeys.key });
    if (kept.length === 0) request.log.warn('the Idempotency-Key was taken over before its response could be kept');
  } catch (error) {
    // The change (if any) is made and its response goes out; a retry finds the key unanswered and
    // is told so with the request id, rather than the change being made twice.
    request.log.error({ err: error }, 'could not keep the response of an Idempotency-Key');
  }
}

/** Deletes keys older than 24 hours, a batch at a time, skipping rows a request holds. */
export async function purgeExpiredKeys(db: Database): Promise<number> {
  let purged = 0;
  for (;;) {
    const rows = await queryRows<{ key: string }>(
      db,
      sql`delete from idempotency_keys where (subject, key) in (
            select subject, key from idempotency_keys
            where created_at < now() - make_interval(hours => ${KEEP_HOURS}) and (status is not null or locked_until < now())
            limit ${PURGE_BATCH} for update skip locked)
          returning key`,
    );
    purged += rows.length;
    if (rows.length < PURGE_BATCH) return purged;
  }
}

const takesIdempotencyKey = (route: RouteOptions) =>
  route.method === 'POST' && (route.url.startsWith('/api/admin/') || route.url.startsWith('/api/v1/'));

/**
 * Every POST of both APIs takes the Idempotency-Key header: its schema and its answers are added
 * here, in one place, before the document is generated; the hooks run after authentication and
 * validation, so that only a valid request of a known caller claims a key.
 */
export function registerIdempotency(app: FastifyInstance, db: Database): void {
  app.decorateRequest('idempotencyClaim', null);

  app.addHook('onRoute', (route) => {
    if (!takesIdempotencyKey(route)) return;
    const schema = (route.schema ??= {}) as Record<string, unknown> & { response?: Record<number, unknown> };
    schema.headers = IdempotencyHeaders;
    schema.response = { ...errors(409, 422), ...schema.response };
    route.preHandler = [
      ...[route.preHandler ?? []].flat(),
      // Returns the reply when it answered (a replay), which ends the request there.
      (request: FastifyRequest, reply: FastifyReply) => beforeHandler(db, request, reply),
    ];
    route.onSend = [
      ...[route.onSend ?? []].flat(),
      async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
        await keepResponse(db, request, reply, payload);
        return payload;
      },
    ];
  });

  let purging: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    purging = setInterval(() => {
      purgeExpiredKeys(db).catch((error: unknown) => app.log.warn({ err: error }, 'could not purge expired Idempotency-Keys'));
    }, PURGE_EVERY_MS);
    purging.unref();
  });
  app.addHook('onClose', async () => clearInterval(purging));
}
