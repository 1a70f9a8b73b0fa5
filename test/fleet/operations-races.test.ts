import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db.ts';
import { onPostgres } from '../support/app.ts';
import { activeAssignment, createTechnician } from '../support/fleet.ts';
import type { Assignment } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';
import { raceFile, REPLICAS, tally } from '../support/replicas.ts';
import type { Outcome, RaceRequest } from '../support/replicas.ts';

const CONCURRENCY = 20;
const ASSIGNMENTS = '/api/admin/assignments';

const { first: t, raceAll: raceEach } = raceFile('ops-racer');

/**
 * How many audit entries an acknowledged answer of these races writes: two for a transfer (201),
 * one per assignment for a bulk return, one for a single return.
 */
function entriesOf(outcome: Outcome): number {
  if (outcome.status === 201) return 2;
  const body = JSON.parse(outcome.body) as { assignments?: Assignment[] };
  return body.assignments ? body.assignments.length : 1;
}
const raceAll = (count: number, request: (i: number) => RaceRequest) => raceEach(count, request, entriesOf);

async function activeOf(column: 'vehicle_id' | 'technician_id', id: number): Promise<number[]> {
  const rows = await queryRows<{ id: number }>(
    t().database.db,
    sql`select id from assignments where ${sql.identifier(column)} = ${id} and status = 'active' order by id`,
  );
  return rows.map((row) => row.id);
}

async function statusOf(id: number): Promise<string> {
  const response = await t().request('GET', `${ASSIGNMENTS}/${id}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ assignment: Assignment }>().assignment.status;
}

const slugOf = (outcome: Outcome) => (JSON.parse(outcome.body) as { type: string }).type.replace('/problems/', '');

describe(`races of transfers and returns (${REPLICAS} replicas on one ${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it(`of ${CONCURRENCY} concurrent transfers of one assignment (each to another free technician) exactly one is 201, the rest 409 assignment-returned`, async () => {
    const old = await activeAssignment(t());
    const takers = await Promise.all(Array.from({ length: CONCURRENCY }, () => createTechnician(t())));
    const outcomes = await raceAll(CONCURRENCY, (i) => ({
      method: 'POST',
      path: `${ASSIGNMENTS}/${old.id}/transfer`,
      body: { technicianId: takers[i]!.id },
    }));

    expect(tally(outcomes)).toEqual({ 201: 1, 409: CONCURRENCY - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) {
      expect(expectProblem(loser, 409, 'assignment-returned').detail).toContain(`assignment ${old.id}`);
    }
    const winner = JSON.parse(outcomes.find((o) => o.status === 201)!.body) as { assignment: Assignment; previous: Assignment };
    expect(winner.previous).toMatchObject({ id: old.id, status: 'returned' });
    expect(winner.previous.returnedAt).toBe(winner.assignment.assignedAt);
    // The vehicle has one active assignment, the winner's; of the takers only the winner's is busy.
    expect(await activeOf('vehicle_id', old.vehicleId)).toEqual([winner.assignment.id]);
    expect(await activeOf('technician_id', old.technicianId)).toEqual([]);
    const busy = [];
    for (const taker of takers) busy.push(...(await activeOf('technician_id', taker.id)));
    expect(busy).toEqual([winner.assignment.id]);
    // One transfer happened: the vehicle was held twice in all.
    const [row] = await queryRows<{ n: number }>(
      t().database.db,
      sql`select count(*)::int as n from assignments where vehicle_id = ${old.vehicleId}`,
    );
    expect(row!.n).toBe(2);
  });

  it('of concurrent transfers of different assignments to one technician exactly one is 201; the others are 409 technician-busy and stay active', async () => {
    const count = 10;
    const olds: Assignment[] = [];
    for (let i = 0; i < count; i++) olds.push(await activeAssignment(t()));
    const taker = await createTechnician(t());
    const outcomes = await raceAll(count, (i) => ({
      method: 'POST',
      path: `${ASSIGNMENTS}/${olds[i]!.id}/transfer`,
      body: { technicianId: taker.id },
    }));

    expect(tally(outcomes)).toEqual({ 201: 1, 409: count - 1 });
    for (const loser of outcomes.filter((o) => o.status === 409)) expectProblem(loser, 409, 'technician-busy');
    const winnerIndex = outcomes.findIndex((o) => o.status === 201);
    const winner = JSON.parse(outcomes[winnerIndex]!.body) as { assignment: Assignment };
    expect(await activeOf('technician_id', taker.id)).toEqual([winner.assignment.id]);
    for (const [i, old] of olds.entries()) {
      if (i === winnerIndex) {
        expect(await statusOf(old.id)).toBe('returned');
        expect(await activeOf('vehicle_id', old.vehicleId)).toEqual([winner.assignment.id]);
      } else {
        expect(await statusOf(old.id)).toBe('active');
        expect(await activeOf('vehicle_id', old.vehicleId)).toEqual([old.id]);
        expect(await activeOf('technician_id', old.technicianId)).toEqual([old.id]);
      }
    }
  });

  it('a transfer racing a return of the same assignment: one 2xx wins, the other is 409 assignment-returned, never both', async () => {
    const pairs = 8;
    const olds: Assignment[] = [];
    for (let i = 0; i < pairs; i++) olds.push(await activeAssignment(t()));
    const takers = await Promise.all(Array.from({ length: pairs }, () => createTechnician(t())));
    // Request 2k transfers assignment k, request 2k+1 returns it; alternately sent first.
    const outcomes = await raceAll(2 * pairs, (i) => {
      const k = Math.floor(i / 2);
      const transferFirst = k % 2 === 0;
      const isTransfer = (i % 2 === 0) === transferFirst;
      return isTransfer
        ? { method: 'POST', path: `${ASSIGNMENTS}/${olds[k]!.id}/transfer`, body: { technicianId: takers[k]!.id } }
        : { method: 'PATCH', path: `${ASSIGNMENTS}/${olds[k]!.id}/return` };
    });

    for (let k = 0; k < pairs; k++) {
      const old = olds[k]!;
      const pair = [outcomes[2 * k]!, outcomes[2 * k + 1]!];
      const transferFirst = k % 2 === 0;
      const [transfer, ret] = (transferFirst ? pair : [pair[1]!, pair[0]!]) as [Outcome, Outcome];
      const won = pair.filter((o) => o.status < 300);
      expect(won, `pair ${k}: ${pair.map((o) => `${o.status} ${o.body}`).join(' | ')}`).toHaveLength(1);
      const lost = pair.find((o) => o.status >= 300)!;
      expect(expectProblem(lost, 409, 'assignment-returned').detail).toContain(`assignment ${old.id}`);
      expect(await statusOf(old.id)).toBe('returned');
      if (transfer.status === 201) {
        const { assignment } = JSON.parse(transfer.body) as { assignment: Assignment };
        expect(assignment).toMatchObject({ vehicleId: old.vehicleId, technicianId: takers[k]!.id, status: 'active' });
        expect(await activeOf('vehicle_id', old.vehicleId)).toEqual([assignment.id]);
        expect(await activeOf('technician_id', takers[k]!.id)).toEqual([assignment.id]);
      } else {
        expect(ret.status).toBe(200);
        expect(await activeOf('vehicle_id', old.vehicleId)).toEqual([]);
        expect(await activeOf('technician_id', takers[k]!.id)).toEqual([]);
      }
      expect(await activeOf('technician_id', old.technicianId)).toEqual([]);
    }
  });

  it('bulk returns racing single returns of the same assignments: each is returned exactly once, audited once', async () => {
    const count = 10;
    const olds: Assignment[] = [];
    for (let i = 0; i < count; i++) olds.push(await activeAssignment(t()));
    const all = olds.map((a) => a.id);
    // Two overlapping bulk returns, and a single return of each assignment, interleaved.
    const bulks = [all.slice(0, 6), all.slice(4).reverse()];
    const requests: RaceRequest[] = [
      ...all.slice(0, 5).map((id) => ({ method: 'PATCH', path: `${ASSIGNMENTS}/${id}/return` })),
      { method: 'POST', path: `${ASSIGNMENTS}/return`, body: { ids: bulks[0] } },
      ...all.slice(5).map((id) => ({ method: 'PATCH', path: `${ASSIGNMENTS}/${id}/return` })),
      { method: 'POST', path: `${ASSIGNMENTS}/return`, body: { ids: bulks[1] } },
    ];
    const outcomes = await raceAll(requests.length, (i) => requests[i]!);

    // Every answer is a success or a 409: assignment-returned for a single return, assignments-returned for a bulk one.
    for (const [i, outcome] of outcomes.entries()) {
      const bulk = requests[i]!.method === 'POST';
      if (outcome.status !== 200) expectProblem(outcome, 409, bulk ? 'assignments-returned' : 'assignment-returned');
    }
    const returnedBy = outcomes.flatMap((outcome) => {
      if (outcome.status !== 200) return [];
      const body = JSON.parse(outcome.body) as { assignment?: Assignment; assignments?: Assignment[] };
      return body.assignments ?? [body.assignment!];
    });
    for (const assignment of returnedBy) expect(assignment.status).toBe('returned');
    // Each id returned in exactly one answer.
    expect(returnedBy.map((a) => a.id).sort((a, b) => a - b)).toEqual([...all].sort((a, b) => a - b));
    // A bulk return that succeeded returned all of its ids, in its order; one that failed named only ids others returned.
    for (const [b, bulk] of [outcomes[5]!, outcomes[outcomes.length - 1]!].entries()) {
      if (bulk.status === 200) {
        expect((JSON.parse(bulk.body) as { assignments: Assignment[] }).assignments.map((a) => a.id)).toEqual(bulks[b]);
      }
    }
    for (const id of all) expect(await statusOf(id)).toBe('returned');

    // The audit has exactly one return entry for each of them.
    const rows = await queryRows<{ entityId: string; n: number }>(
      t().database.db,
      sql`select entity_id as "entityId", count(*)::int as n from audit_log
          where entity_type = 'assignment' and action = 'return' and entity_id in (${sql.join(
            all.map((id) => sql`${String(id)}`),
            sql`, `,
          )}) group by entity_id`,
    );
    expect(new Map(rows.map((row) => [Number(row.entityId), row.n]))).toEqual(new Map(all.map((id) => [id, 1])));
    expect(outcomes.every((o) => o.status === 200 || ['assignment-returned', 'assignments-returned'].includes(slugOf(o)))).toBe(true);
  });

  it('overlapping bulk returns in opposite orders never deadlock: each id returned once', async () => {
    const count = 12;
    const olds: Assignment[] = [];
    for (let i = 0; i < count; i++) olds.push(await activeAssignment(t()));
    const all = olds.map((a) => a.id);
    const sets = [all, [...all].reverse(), all.filter((_, i) => i % 2 === 0), all.filter((_, i) => i % 2 === 1).reverse()];
    const outcomes = await raceAll(sets.length, (i) => ({ method: 'POST', path: `${ASSIGNMENTS}/return`, body: { ids: sets[i] } }));

    expect(outcomes.every((o) => o.status === 200 || o.status === 409)).toBe(true);
    for (const loser of outcomes.filter((o) => o.status === 409)) expectProblem(loser, 409, 'assignments-returned');
    const returned = outcomes
      .filter((o) => o.status === 200)
      .flatMap((o) => (JSON.parse(o.body) as { assignments: Assignment[] }).assignments.map((a) => a.id));
    expect(new Set(returned).size).toBe(returned.length);
    // Either a full set won (then the others all failed), or the two halves did.
    expect([...returned].sort((a, b) => a - b)).toEqual([...all].sort((a, b) => a - b));
  });
});
