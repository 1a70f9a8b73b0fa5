import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { queryRows } from '../../src/platform/db.ts';
import { adminToken, onPostgres, testApp, unique } from './app.ts';
import type { TestApp } from './app.ts';
import { checkedFetch } from './contract.ts';
import { readResponse } from './problems.ts';
import type { ResponseLike } from './problems.ts';

/**
 * Several replicas of the server behind real sockets, so that requests truly interleave. On
 * PostgreSQL each has its own connection pool — three replicas on one database (or on one
 * PgBouncer, when the suite runs through it). PGlite belongs to one process: there two apps share
 * its one connection.
 */
export const REPLICAS = onPostgres ? 3 : 2;

export interface Replicas {
  instances: TestApp[];
  origins: string[];
  close(): Promise<void>;
}

export async function startReplicas(): Promise<Replicas> {
  const first = await testApp();
  const others = await Promise.all(
    Array.from({ length: REPLICAS - 1 }, () => (onPostgres ? testApp() : testApp({ database: first.database }))),
  );
  const instances = [first, ...others];
  const origins = await Promise.all(instances.map((instance) => instance.app.listen({ port: 0, host: '127.0.0.1' })));
  return {
    instances,
    origins,
    close: async () => {
      for (const instance of [...others, first]) await instance.close();
    },
  };
}

export interface RaceRequest {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Outcome extends ResponseLike {
  status: number;
  /** Which replica answered. */
  instance: number;
  requestId: string;
}

/** Sends one request to replica i mod n, over its socket; the answer is checked against the document. */
export async function send(
  replicas: Replicas,
  token: string,
  i: number,
  { method, path, body, headers = {} }: RaceRequest,
): Promise<Outcome> {
  const instance = i % replicas.origins.length;
  const response = await checkedFetch(replicas.instances[instance]!.contract, `${replicas.origins[instance]}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const read = await readResponse(response);
  return { ...read, status: response.status, instance, requestId: response.headers.get('x-request-id') ?? '' };
}

/** Sends request i to replica i mod n, all at once, and waits for every answer. */
export function race(replicas: Replicas, token: string, count: number, request: (i: number) => RaceRequest): Promise<Outcome[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => send(replicas, token, i, request(i))));
}

/** How many answers had each status: `{ 201: 1, 409: 19 }`. */
export function tally(outcomes: { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of outcomes) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/**
 * Audit completeness, counted: each acknowledged change (a 2xx that is not a replay) has exactly
 * `entriesOf(outcome)` audit entries under its request id (one by default), and every other answer
 * — a rejection, a replay — has none.
 */
export async function expectAuditedExactly(
  replicas: Replicas,
  outcomes: Outcome[],
  entriesOf: (outcome: Outcome) => number = () => 1,
): Promise<void> {
  const requestIds = outcomes.map((outcome) => outcome.requestId);
  expect(new Set(requestIds).size, 'every answer has its own X-Request-Id').toBe(outcomes.length);
  const rows = await queryRows<{ requestId: string; count: number }>(
    replicas.instances[0]!.database.db,
    sql`select request_id as "requestId", count(*)::int as count from audit_log
        where request_id in (${sql.join(
          requestIds.map((id) => sql`${id}`),
          sql`, `,
        )}) group by request_id`,
  );
  const counted = new Map(rows.map((row) => [row.requestId, row.count]));
  const wrong = outcomes.flatMap((outcome) => {
    const acknowledged = outcome.status < 300 && outcome.headers['idempotent-replayed'] !== 'true';
    const expected = acknowledged ? entriesOf(outcome) : 0;
    const found = counted.get(outcome.requestId) ?? 0;
    return found === expected ? [] : [`${outcome.status} ${outcome.requestId}: ${found} entries, expected ${expected}`];
  });
  expect(wrong).toEqual([]);
}

export interface RaceFile {
  /** The first replica, for setting up and reading back. */
  first: () => TestApp;
  /**
   * Sends `count` requests at once across the replicas, as the file's actor. Their audit entries are
   * counted after the test: `entriesOf` an acknowledged answer (one by default), none for the others.
   */
  raceAll: (count: number, request: (i: number) => RaceRequest, entriesOf?: (outcome: Outcome) => number) => Promise<Outcome[]>;
}

/**
 * What every race test file needs: replicas started before its tests and closed after, a token of
 * its own (sub `<actor>-<unique>`), and after each test the audit completeness of all its races.
 */
export function raceFile(actor: string): RaceFile {
  let replicas: Replicas;
  let token: string;
  let raced: { outcomes: Outcome[]; entriesOf: ((outcome: Outcome) => number) | undefined }[] = [];
  beforeAll(async () => {
    replicas = await startReplicas();
    token = await adminToken(`${actor}-${unique()}`);
  });
  afterAll(() => replicas.close());
  afterEach(async () => {
    for (const { outcomes, entriesOf } of raced) await expectAuditedExactly(replicas, outcomes, entriesOf);
    raced = [];
  });
  return {
    first: () => replicas.instances[0]!,
    raceAll: async (count, request, entriesOf) => {
      const outcomes = await race(replicas, token, count, request);
      raced.push({ outcomes, entriesOf });
      return outcomes;
    },
  };
}
