import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORTS_AT_ONCE } from '../../src/fleet/assignments/assignments.service.ts';
import { onPostgres, testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { assign, createTechnician, createVehicle, returnAssignment } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const HEADER =
  'id,plate number,technician name,technician email,assigned at,returned at,start odometer,end odometer,assigned by,returned by,notes';

/** A CSV text as rows of fields (RFC 4180: quoted fields, doubled quotes, CRLF line ends). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      field += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  expect(field, 'the text ends with a line break').toBe('');
  return rows;
}

async function exported(query = '') {
  const response = await t.request('GET', `/api/admin/assignments/export.csv${query}`);
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(response.headers['content-disposition']).toBe('attachment; filename="assignments.csv"');
  const [header, ...lines] = parseCsv(response.body);
  expect(header!.join(',')).toBe(HEADER);
  return lines;
}

describe('GET /api/admin/assignments/export.csv', () => {
  it('one line per assignment with its vehicle, technician, times, readings and people, newest first', async () => {
    const vehicle = await createVehicle(t, { plateNumber: `EX-${Date.now() % 100000}` });
    const technician = await createTechnician(t, { name: 'Ada "the fixer", Lovelace' });
    const first = await t.request('POST', '/api/admin/assignments', {
      vehicleId: vehicle.id,
      technicianId: technician.id,
      startOdometer: 1200,
      notes: 'line one\nline two',
    });
    const { assignment } = first.json<{ assignment: { id: number; assignedAt: string } }>();
    const returned = await t.request('PATCH', `/api/admin/assignments/${assignment.id}/return`, { endOdometer: 1290 });
    const { returnedAt } = returned.json<{ assignment: { returnedAt: string } }>().assignment;
    const second = await assign(t, vehicle.id, technician.id);

    const lines = await exported(`?vehicleId=${vehicle.id}`);
    expect(lines).toEqual([
      [String(second.id), vehicle.plateNumber, technician.name, technician.email, second.assignedAt, '', '', '', 'test-admin', '', ''],
      [
        String(assignment.id),
        vehicle.plateNumber,
        'Ada "the fixer", Lovelace',
        technician.email,
        assignment.assignedAt,
        returnedAt,
        '1200',
        '1290',
        'test-admin',
        'test-admin',
        'line one\nline two',
      ],
    ]);
  });

  it('defuses text a spreadsheet would run as a formula', async () => {
    const vehicle = await createVehicle(t);
    const technician = await createTechnician(t, { name: '=HYPERLINK("http://evil.example","click")' });
    await t.request('POST', '/api/admin/assignments', { vehicleId: vehicle.id, technicianId: technician.id, notes: '+1 spare key' });
    const [line] = await exported(`?vehicleId=${vehicle.id}`);
    expect(line![2]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(line![10]).toBe("'+1 spare key");
  });

  it("takes the list's filters: status, technician, overdue, and the assigned and returned windows", async () => {
    const [vehicle, other, technician] = await Promise.all([createVehicle(t), createVehicle(t), createTechnician(t)]);
    const old = await assign(t, vehicle.id, technician.id);
    await returnAssignment(t, old.id);
    const current = await assign(t, other.id, technician.id);
    await t.database.db.execute(
      sql`update assignments set assigned_at = '2020-01-01T00:00:00Z', returned_at = '2020-01-02T00:00:00Z' where id = ${old.id}`,
    );
    const ids = async (query: string) => (await exported(query)).map((line) => Number(line[0]));

    expect(await ids(`?technicianId=${technician.id}`)).toEqual([current.id, old.id]);
    expect(await ids(`?technicianId=${technician.id}&status=active`)).toEqual([current.id]);
    expect(await ids(`?technicianId=${technician.id}&assignedTo=2021-01-01T00:00:00Z`)).toEqual([old.id]);
    expect(await ids(`?technicianId=${technician.id}&assignedFrom=2021-01-01T00:00:00Z`)).toEqual([current.id]);
    expect(await ids(`?technicianId=${technician.id}&returnedFrom=2020-01-02T00:00:00Z&returnedTo=2020-01-03T00:00:00Z`)).toEqual([old.id]);
    expect(await ids(`?technicianId=${technician.id}&overdue=true`)).toEqual([]);
    await t.database.db.execute(sql`update assignments set expected_return_at = now() - interval '1 day' where id = ${current.id}`);
    expect(await ids(`?technicianId=${technician.id}&overdue=true`)).toEqual([current.id]);
  });

  it('streams more lines than one cursor batch, each exactly once', async () => {
    const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
    // 2 500 past assignments written directly: three batches of the cursor.
    await t.database.db.execute(
      sql`insert into assignments (vehicle_id, technician_id, status, assigned_at, returned_at, assigned_by, returned_by)
          select ${vehicle.id}, ${technician.id}, 'returned', now() - make_interval(mins => g + 1), now() - make_interval(mins => g), 'seed', 'seed'
          from generate_series(1, 2500) g`,
    );
    const lines = await exported(`?vehicleId=${vehicle.id}`);
    expect(lines).toHaveLength(2500);
    expect(new Set(lines.map((line) => line[0])).size).toBe(2500);
    const times = lines.map((line) => line[4]!);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('a header alone when nothing matches', async () => {
    expect(await exported('?vehicleId=2147483646')).toEqual([]);
  });

  it('400 for an empty window or a bad filter, before any CSV', async () => {
    expectProblem(
      await t.request('GET', '/api/admin/assignments/export.csv?assignedFrom=2024-01-02T00:00:00Z&assignedTo=2024-01-01T00:00:00Z'),
      400,
      'empty-window',
    );
    expectProblem(await t.request('GET', '/api/admin/assignments/export.csv?status=lost'), 400, 'validation');
    expectProblem(await t.request('GET', '/api/admin/assignments/export.csv?returnedTo=2016-12-31T23:59:60Z'), 400, 'invalid-instant');
  });

  // The limit is the process's own count, whatever the database: it is shown on the embedded one,
  // whose one connection a test can hold (on PostgreSQL that would take a lock other files' tests
  // wait for). Two exports wait for the held connection, so both are under way when a third comes.
  it.runIf(!onPostgres)(
    `a third export while ${EXPORTS_AT_ONCE} are under way is 503 exports-busy with Retry-After; they still finish`,
    async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const holding = t.database.db.transaction(() => held);
      const running = Array.from({ length: EXPORTS_AT_ONCE }, () => t.request('GET', '/api/admin/assignments/export.csv'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const refused = await t.request('GET', '/api/admin/assignments/export.csv');
      release();
      await holding;
      expectProblem(refused, 503, 'exports-busy');
      expect(refused.headers['retry-after']).toBe('5');
      for (const response of await Promise.all(running)) expect(response.statusCode).toBe(200);
      expect((await t.request('GET', '/api/admin/assignments/export.csv')).statusCode).toBe(200);
    },
  );

  it('HEAD gives the headers without running the export', async () => {
    const response = await t.request('HEAD', '/api/admin/assignments/export.csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.body).toBe('');
  });
});
