// The ceiling allot is measured against: a bare node:http server with a pg pool, answering the hot
// routes with one hand-written SQL statement each, the JSON built by PostgreSQL. No authentication,
// no validation, no logging, no audit, no idempotency. Run by bench.ts as its own process:
//   DATABASE_URL=postgres://… PORT=… node --import tsx bench/baseline.ts
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const vehicleJson = `json_build_object('id', v.id, 'plateNumber', v.plate_number, 'make', v.make, 'model', v.model,
  'year', v.year, 'vin', v.vin, 'odometer', v.odometer, 'createdAt', ${iso('v.created_at')}, 'updatedAt', ${iso('v.updated_at')},
  'activeAssignmentId', case when a.status = 'active' then a.id end)`;
const technicianJson = `json_build_object('id', t.id, 'name', t.name, 'email', t.email, 'phone', t.phone,
  'createdAt', ${iso('t.created_at')}, 'updatedAt', ${iso('t.updated_at')},
  'activeAssignmentId', case when a.status = 'active' then a.id end)`;
const assignmentJson = `json_build_object('id', a.id, 'vehicleId', a.vehicle_id, 'technicianId', a.technician_id,
  'status', a.status, 'assignedAt', ${iso('a.assigned_at')}, 'returnedAt', ${iso('a.returned_at')},
  'assignedBy', a.assigned_by, 'returnedBy', a.returned_by, 'notes', a.notes,
  'expectedReturnAt', ${iso('a.expected_return_at')}, 'overdue', coalesce(a.status = 'active' and a.expected_return_at < now(), false),
  'startOdometer', a.start_odometer, 'endOdometer', a.end_odometer, 'distance', a.end_odometer - a.start_odometer,
  'vehicle', ${vehicleJson}, 'technician', ${technicianJson})`;

const userJson = `json_build_object('user_id', u.user_id, 'email', u.email, 'first_name', u.first_name,
  'last_name', u.last_name, 'role', u.role, 'status', u.status, 'is_email_verified', u.is_email_verified,
  'created_at', ${iso('u.created_at')}, 'updated_at', ${iso('u.updated_at')})`;
const projectAssignmentJson = `json_build_object('assignment_id', pa.assignment_id, 'created_at', ${iso('pa.created_at')},
  'updated_at', ${iso('pa.updated_at')}, 'user_id', pa.user_id, 'project_id', pa.project_id,
  'user', ${userJson}, 'project', to_json(p))`;

const SQL = {
  assign: `with a as (
      insert into assignments (vehicle_id, technician_id, assigned_by) values ($1, $2, 'baseline') returning *)
    select json_build_object('assignment', ${assignmentJson}) as body
    from a join vehicles v on v.id = a.vehicle_id join technicians t on t.id = a.technician_id`,
  return: `with a as (
      update assignments set status = 'returned', returned_at = now(), returned_by = 'baseline'
      where id = $1 and status = 'active' returning *)
    select json_build_object('assignment', ${assignmentJson}) as body
    from a join vehicles v on v.id = a.vehicle_id join technicians t on t.id = a.technician_id`,
  activeAssignments: `select json_build_object('assignments', coalesce(json_agg(${assignmentJson} order by a.assigned_at desc, a.id desc), '[]'),
      'nextCursor', null) as body
    from assignments a join vehicles v on v.id = a.vehicle_id join technicians t on t.id = a.technician_id
    where a.status = 'active'`,
  createProjectAssignment: `with pa as (
      insert into project_assignments (user_id, project_id, assigned_as) values ($1, $2, 'Employee') returning *)
    select ${projectAssignmentJson} as body
    from pa join users u on u.user_id = pa.user_id join projects p on p.project_id = pa.project_id`,
  deleteProjectAssignment: `delete from project_assignments where assignment_id = $1 returning assignment_id as body`,
  projectAssignments: `select coalesce(json_agg(${projectAssignmentJson} order by pa.created_at desc, pa.assignment_id desc), '[]') as body
    from (select * from project_assignments order by created_at desc, assignment_id desc limit $1) pa
    join users u on u.user_id = pa.user_id join projects p on p.project_id = pa.project_id`,
};

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(response: ServerResponse, status: number, body?: string): void {
  response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' });
  response.end(body);
}

async function one(text: string, values: unknown[]): Promise<string | undefined> {
  const { rows } = await pool.query<{ body: unknown }>(text, values);
  return rows[0] === undefined ? undefined : JSON.stringify(rows[0].body);
}

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://baseline');
  const path = url.pathname;
  let match: RegExpExecArray | null;
  if (request.method === 'POST' && path === '/api/admin/assignments') {
    const body = await readJson(request);
    return send(response, 201, await one(SQL.assign, [body.vehicleId, body.technicianId]));
  }
  if (request.method === 'PATCH' && (match = /^\/api\/admin\/assignments\/(\d+)\/return$/.exec(path))) {
    await readJson(request);
    const body = await one(SQL.return, [Number(match[1])]);
    return body === undefined ? send(response, 409) : send(response, 200, body);
  }
  if (request.method === 'GET' && path === '/api/admin/assignments') return send(response, 200, await one(SQL.activeAssignments, []));
  if (request.method === 'POST' && path === '/api/v1/assignments/') {
    const body = await readJson(request);
    return send(response, 201, await one(SQL.createProjectAssignment, [body.user_id, body.project_id]));
  }
  if (request.method === 'DELETE' && (match = /^\/api\/v1\/assignments\/([0-9a-f-]{36})$/.exec(path))) {
    const deleted = await one(SQL.deleteProjectAssignment, [match[1]]);
    return send(response, deleted === undefined ? 404 : 204);
  }
  if (request.method === 'GET' && path === '/api/v1/assignments/') {
    return send(response, 200, await one(SQL.projectAssignments, [Number(url.searchParams.get('limit') ?? 100)]));
  }
  if (path === '/readyz') return send(response, 200, '{"status":"ready"}');
  send(response, 404);
}

const server = createServer((request, response) => {
  route(request, response).catch((error: unknown) => {
    // A conflict is what the fleet's unique indexes answer; anything else is the baseline's own bug.
    const status = (error as { code?: string }).code === '23505' ? 409 : 500;
    if (status === 500) process.stderr.write(`baseline: ${String(error)}\n`);
    if (!response.headersSent) send(response, status);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 3999), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
