import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { Type } from 'typebox';
import { idempotencyKeys } from '../db/schema.ts';
import { actor } from './auth.ts';
import { queryRows } from './db.ts';
import type { Database } from './db.ts';
import { errors } from './openapi.ts';
import { Problem } from './problems.ts';

/**
 * Idempotency-Key on the POSTs of both APIs. The first request with a key claims it (one INSERT);
 * its response, 2xx or 4xx, is kept with the key for 24 hours and given again, with
 * `Idempotent-Replayed: true`, to every retry with the same key and the same request. A 5xx is not
 * kept: the retry runs afresh. Keys belong to the token's subject.
 *
 * Everything lives in PostgreSQL rows, nothing in a session, so it holds across replicas and
 * through a transaction pooler: a retry that finds the key still running polls the row until the
 * answer is there, and after a bounded wait is told to retry (409). A key whose server died while
 * running it is taken over once its lease runs out — unless the audit log shows that the request
 * made its change, which is then never made twice.
 */

export const KEEP_HOURS = 24;
/** How long a running request holds its key before another may take it over. */
const LEASE_SECONDS = 60;
/** How long a retry waits for the first request before it is told to retry (409). */
const WAIT_MS = 5_000;
const POLL_MS = 50;
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

const idempotencyProblems = {
  keyReused: () => new Problem(422, 'idempotency-key-reused', 'this Idempotency-Key was used before with another method, path or body'),
  keyInProgress: () =>
    new Problem(409, 'idempotency-key-in-progress', 'a request with this Idempotency-Key is still running; retry after Retry-After', {
      'retry-after': '1',
    }),
  outcomeLost: (requestId: string) =>
    new Problem(
      409,
      'idempotency-key-outcome-lost',
      `the request with this Idempotency-Key (request id ${requestId}) made its change, but the server stopped before its response ` +
        'was kept; the audit log has the change under that request id',
    ),
};

interface Claim {
  subject: string;
  key: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The key this request holds, when it came with one and runs as its first. */
    idempotencyClaim: Claim | null;
  }
}

interface KeyRow {
  fingerprint: string;
  requestId: string;
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
  leaseExpired: boolean;
  applied: boolean;
}

/** A canonical form of a JSON body: object keys sorted, so that key order is not a different body. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? '';
}

function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonicalJson(request.body)}`)
    .digest('base64url');
}

/** Takes the key for this request: a new key, one kept longer than 24 hours, or nobody's yet. */
async function claimKey(db: Database, claim: Claim, fingerprint: string, requestId: string): Promise<boolean> {
  const rows = await queryRows<{ request_id: string }>(
    db,
    sql`insert into idempotency_keys (subject, key, fingerprint, request_id, locked_until)
        values (${claim.subject}, ${claim.key}, ${fingerprint}, ${requestId}, now() + make_interval(secs => ${LEASE_SECONDS}))
        on conflict (subject, key) do update
          set fingerprint = excluded.fingerprint, request_id = excluded.request_id, locked_until = excluded.locked_until,
              status = null, headers = null, body = null, created_at = now()
          where idempotency_keys.created_at < now() - make_interval(hours => ${KEEP_HOURS})
        returning request_id`,
  );
  return rows.length === 1;
}

async function readKey(db: Database, claim: Claim): Promise<KeyRow | undefined> {
  const [row] = await queryRows<KeyRow>(
    db,
    sql`select fingerprint, request_id as "requestId", status, headers, body,
               locked_until < now() as "leaseExpired",
               status is null and exists (select 1 from audit_log where audit_log.request_id = idempotency_keys.request_id) as applied
        from idempotency_keys where subject = ${claim.subject} and key = ${claim.key}`,
  );
  return row;
}

/** Takes over a key whose request died before changing anything; one retry wins the race. */
async function takeOver(db: Database, claim: Claim, previousRequestId: string, requestId: string): Promise<boolean> {
  const taken = await db
    .update(idempotencyKeys)
    .set({ requestId, lockedUntil: sql`now() + make_interval(secs => ${LEASE_SECONDS})` })
    .where(
      and(
        eq(idempotencyKeys.subject, claim.subject),
        eq(idempotencyKeys.key, claim.key),
        eq(idempotencyKeys.requestId, previousRequestId),
        isNull(idempotencyKeys.status),
      ),
    )
    .returning({ requestId: idempotencyKeys.requestId });
  return taken.length === 1;
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
  const claim = { subject: actor(request), key };
  const fingerprint = fingerprintOf(request);
  const requestId = String(request.id);
  const deadline = Date.now() + WAIT_MS;

  for (;;) {
    if (await claimKey(db, claim, fingerprint, requestId)) {
      request.idempotencyClaim = claim;
      return undefined;
    }
    const row = await readKey(db, claim);
    if (!row) continue; // purged between the two statements: claim it again
    if (row.fingerprint !== fingerprint) throw idempotencyProblems.keyReused();
    if (row.status !== null) return replay(reply, row);
    if (row.leaseExpired) {
      if (row.applied) throw idempotencyProblems.outcomeLost(row.requestId);
      if (await takeOver(db, claim, row.requestId, requestId)) {
        request.idempotencyClaim = claim;
        return undefined;
      }
      continue;
    }
    if (Date.now() >= deadline) throw idempotencyProblems.keyInProgress();
    await sleep(POLL_MS);
  }
}

/** Keeps the response of the key's first request, or gives the key up after a 5xx. */
async function keepResponse(db: Database, request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
  const claim = request.idempotencyClaim;
  if (!claim) return;
  request.idempotencyClaim = null;
  const mine = and(
    eq(idempotencyKeys.subject, claim.subject),
    eq(idempotencyKeys.key, claim.key),
    eq(idempotencyKeys.requestId, String(request.id)),
  );
  try {
    if (reply.statusCode >= 500) {
      await db.delete(idempotencyKeys).where(mine);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    await db
      .update(idempotencyKeys)
      .set({ status: reply.statusCode, headers, body: typeof payload === 'string' ? payload : '' })
      .where(mine);
  } catch (error) {
    // The change (if any) is made and its response goes out; a retry finds the key unresolved and
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
            where created_at < now() - make_interval(hours => ${KEEP_HOURS})
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
