// The load generator, in a process of its own so that it does not share the measured server's
// event loop: bench.ts runs it once per round with a JSON job as its argument and reads one JSON
// result line from its stdout.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import type { Request } from 'autocannon';

export type Job =
  | { kind: 'get'; url: string; path: string; token?: string; connections: number; seconds: number }
  | {
      /** Per connection: POST creates with `bodies[i]`, then the follow-up undoes it (PATCH return, DELETE). */
      kind: 'cycle';
      url: string;
      token?: string;
      connections: number;
      seconds: number;
      /** false: POSTs without an Idempotency-Key (BENCH_IDEMPOTENCY_KEYS=false), to see what keys cost. */
      idempotencyKeys?: boolean;
      create: { path: string; bodies: unknown[]; idOf: 'assignment.id' | 'assignment_id' };
      undo: { method: 'PATCH' | 'DELETE'; path: string };
    };

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** Answers other than 2xx, by status ("timeout" for none). */
  failures: Record<string, number>;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const headers: Record<string, string> = { 'content-type': 'application/json' };
if (job.token) headers.authorization = `Bearer ${job.token}`;

function cycleRequests(cycle: Extract<Job, { kind: 'cycle' }>): Request[] {
  // autocannon starts each cycle with a fresh context, so a pair is lent for one cycle, from the
  // POST to the undo's answer, and never to two clients at once.
  const freePairs = cycle.create.bodies.map((_, index) => index);
  interface Context {
    pair?: number;
    id?: string | number;
  }
  const idOf = (body: string): string | number => {
    const parsed = JSON.parse(body) as { assignment?: { id: number }; assignment_id?: string };
    return cycle.create.idOf === 'assignment.id' ? parsed.assignment!.id : parsed.assignment_id!;
  };
  return [
    {
      method: 'POST',
      path: cycle.create.path,
      setupRequest: (request, context: Context) => {
        // There are more pairs than connections, each of which holds at most one.
        const pair = freePairs.shift()!;
        context.pair = pair;
        // A careful client sends an Idempotency-Key with every POST, so that it may retry.
        return {
          ...request,
          headers: cycle.idempotencyKeys === false ? headers : { ...headers, 'idempotency-key': randomUUID() },
          body: JSON.stringify(cycle.create.bodies[pair]),
        };
      },
      onResponse: (status, body, context: Context) => {
        context.id = status === 201 ? idOf(body) : undefined;
        if (status !== 201 && process.env.BENCH_DEBUG) process.stderr.write(`POST ${status} ${body}\n`);
      },
    },
    {
      method: cycle.undo.method,
      onResponse: (status, body, context: Context) => {
        if (context.pair !== undefined) freePairs.push(context.pair);
        if (status >= 300 && process.env.BENCH_DEBUG) process.stderr.write(`${cycle.undo.method} ${status} ${body}\n`);
      },
      setupRequest: (request, context: Context) => ({
        ...request,
        path: cycle.undo.path.replace(':id', String(context.id ?? 0)),
        ...(cycle.undo.method === 'PATCH' ? { body: '{}' } : { headers: { authorization: headers.authorization ?? '' } }),
      }),
    },
  ] as Request[];
}

const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.seconds,
  headers,
  ...(job.kind === 'get' ? { requests: [{ method: 'GET', path: job.path }] } : { requests: cycleRequests(job) }),
});

const output: LoadResult = {
  requests: result.requests.total,
  perSecond: result.requests.total / job.seconds,
  p50: result.latency.p50,
  p99: result.latency.p99,
  errors: result.errors + result.timeouts + result.non2xx,
  failures: Object.fromEntries<number>([
    ...Object.entries(result.statusCodeStats as Record<string, { count: number }>)
      .filter(([status]) => !status.startsWith('2'))
      .map(([status, { count }]): [string, number] => [status, count]),
    ...(result.timeouts > 0 ? [['timeout', result.timeouts] as [string, number]] : []),
  ]),
};
process.stdout.write(`${JSON.stringify(output)}\n`);
