import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer, waitUntilReady } from '../server/process.ts';
import type { ServerProcess } from '../server/process.ts';
import { adminToken, TEST_SECRET, unique } from '../support/app.ts';

/**
 * Durability across crashes. The real server process writes to a private PostgreSQL cluster under
 * the load of many clients; in the middle of it the server is killed with SIGKILL and PostgreSQL is
 * stopped the way a crash stops it (`pg_ctl stop -m immediate`: no checkpoint, WAL recovery at the
 * next start), several times over. After each restart of both, every change acknowledged with a 2xx
 * since the first start is there, with exactly one audit entry per change carrying the response's
 * X-Request-Id; a request that was rejected made none; a request left in doubt by the crash made its
 * change at most once; every row has the audit entry of the change that made it; and the rules
 * (one active assignment per vehicle and per technician, none on a retired one, one Dev and one
 * Employee per project) still hold.
 *
 * The shared PostgreSQL of the other suites is never touched: the cluster is made here, in a
 * temporary directory, owned by the `postgres` OS user when the tests run as root (initdb refuses
 * root), with fsync on, as PostgreSQL ships.
 */

const CRASHES = 3;
const CLIENTS = 16;
/** Fewer acknowledged changes than this in a cycle would mean the load never got going. */
const MIN_ACKNOWLEDGED_PER_CYCLE = 50;
const CRASH_ORDERS = [
  'server and PostgreSQL at once',
  'PostgreSQL first, the server 150 ms later',
  'the server first, then PostgreSQL',
] as const;
type CrashOrder = (typeof CRASH_ORDERS)[number];

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The private cluster

interface Toolchain {
  bin: string;
  /** Set when running as root: initdb and pg_ctl then run as the postgres OS user. */
  asPostgres?: { runuser: string; uid: number; gid: number };
}

function findToolchain(): Toolchain | string {
  const root = '/usr/lib/postgresql';
  const bins = existsSync(root)
    ? readdirSync(root)
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => path.join(root, version, 'bin'))
        .filter((bin) => ['initdb', 'pg_ctl', 'postgres'].every((tool) => existsSync(path.join(bin, tool))))
    : [];
  const bin = bins[0];
  if (!bin) return 'no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin';
  if (process.getuid?.() !== 0) return { bin };
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser', '/bin/runuser'].find((candidate) => existsSync(candidate));
  if (!runuser) return 'running as root without runuser: initdb refuses root, so the cluster must be made as the postgres user';
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { bin, asPostgres: { runuser, uid, gid } };
  } catch {
    return 'running as root and there is no postgres OS user to own the cluster';
  }
}

class Cluster {
  private constructor(
    private readonly toolchain: Toolchain,
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(toolchain: Toolchain): Promise<Cluster> {
    const dir = mkdtempSync(path.join(tmpdir(), 'allot-crash-'));
    if (toolchain.asPostgres) chownSync(dir, toolchain.asPostgres.uid, toolchain.asPostgres.gid);
    const cluster = new Cluster(toolchain, dir, await freePort());
    await cluster.tool('initdb', ['-D', cluster.dataDir, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-instructions']);
    return cluster;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get logFile(): string {
    return path.join(this.dir, 'postgres.log');
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    // fsync, synchronous_commit and full_page_writes are PostgreSQL's defaults; said here because
    // they are what a crash test relies on.
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=on -c synchronous_commit=on -c full_page_writes=on`;
    try {
      await this.tool('pg_ctl', ['start', '-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-o', options]);
    } catch (error) {
      throw new Error(`PostgreSQL did not start: ${String(error)}\n${this.log()}`);
    }
  }

  /** The crash: every backend is cut at once, nothing is checkpointed; the next start replays the WAL. */
  async crash(): Promise<void> {
    await this.tool('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w', '-t', '60']);
  }

  /** How many starts found the cluster not properly shut down, and recovered it from the WAL. */
  recoveries(): number {
    return this.log()
      .split('\n')
      .filter((line) => line.includes('not properly shut down; automatic recovery in progress')).length;
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  async destroy(): Promise<void> {
    try {
      await this.crash();
    } catch {
      // Not running.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async tool(name: string, args: string[]): Promise<void> {
    const executable = path.join(this.toolchain.bin, name);
    const runAs = this.toolchain.asPostgres;
    // The postgres user may not enter the test's working directory: run from the cluster's own.
    const options = { cwd: this.dir, timeout: 90_000 };
    if (runAs) await run(runAs.runuser, ['-u', 'postgres', '--', executable, ...args], options);
    else await run(executable, args, options);
  }
}

// ---------------------------------------------------------------------------------------------
// The load: what each request was, and what became of it

type Role = 'Admin' | 'Employee' | 'Dev';
type Removal = 'retire' | 'delete';

type Operation =
  | { kind: 'createVehicle'; plate: string }
  | { kind: 'updateVehicle'; vehicleId: number; make: string }
  | { kind: 'removeVehicle'; vehicleId: number; action: Removal }
  | { kind: 'createTechnician'; email: string }
  | { kind: 'removeTechnician'; technicianId: number; action: Removal }
  | { kind: 'assign'; vehicleId: number; technicianId: number }
  | { kind: 'return'; assignmentId: number }
  | { kind: 'createUser'; email: string; role: Role[] }
  | { kind: 'createProject'; name: string; ownerUserId: string }
  | { kind: 'assignUser'; userId: string; projectId: string }
  | { kind: 'bulkAssign'; userId: string; projectIds: string[] }
  | { kind: 'unassignUser'; assignmentId: string };

function requestOf(operation: Operation): { method: string; path: string; body?: unknown } {
  switch (operation.kind) {
    case 'createVehicle':
      return { method: 'POST', path: '/api/admin/vehicles', body: { plateNumber: operation.plate } };
    case 'updateVehicle':
      return { method: 'PATCH', path: `/api/admin/vehicles/${operation.vehicleId}`, body: { make: operation.make } };
    case 'removeVehicle':
      return { method: 'DELETE', path: `/api/admin/vehicles/${operation.vehicleId}` };
    case 'createTechnician':
      return { method: 'POST', path: '/api/admin/technicians', body: { name: `Tech ${unique()}`, email: operation.email } };
    case 'removeTechnician':
      return { method: 'DELETE', path: `/api/admin/technicians/${operation.technicianId}` };
    case 'assign':
      return {
        method: 'POST',
        path: '/api/admin/assignments',
        body: { vehicleId: operation.vehicleId, technicianId: operation.technicianId },
      };
    case 'return':
      return { method: 'PATCH', path: `/api/admin/assignments/${operation.assignmentId}/return` };
    case 'createUser':
      return {
        method: 'POST',
        path: '/api/v1/users',
        body: { email: operation.email, first_name: 'Crash', last_name: 'Test', role: operation.role },
      };
    case 'createProject':
      return { method: 'POST', path: '/api/v1/projects', body: { project_name: operation.name, owner_user_id: operation.ownerUserId } };
    case 'assignUser':
      return { method: 'POST', path: '/api/v1/assignments/', body: { user_id: operation.userId, project_id: operation.projectId } };
    case 'bulkAssign':
      return { method: 'POST', path: `/api/v1/assignments/bulk?user_id=${operation.userId}`, body: operation.projectIds };
    case 'unassignUser':
      return { method: 'DELETE', path: `/api/v1/assignments/${operation.assignmentId}` };
  }
}

interface Exchange {
  requestId: string;
  cycle: number;
  operation: Operation;
  /**
   * acknowledged: a 2xx; rejected: a 4xx; in doubt: no answer (the crash cut it) or a 5xx, after
   * which the change may or may not have been committed.
   */
  outcome: 'acknowledged' | 'rejected' | 'in doubt';
  httpStatus?: number;
  answeredAt?: number;
  echoedRequestId?: string | null;
  answer?: unknown;
  failure?: string;
}

/** The parts of the answers this test reads (bulk answers an array of the project assignment). */
interface Answer {
  vehicle: { id: number };
  technician: { id: number };
  assignment: { id: number };
  user_id: string;
  project_id: string;
  assignment_id: string;
}

/** Ends a client's loop: the crash cut its request, or an answer left its workflow nowhere to go. */
class Stop extends Error {}

class Load {
  readonly exchanges: Exchange[] = [];
  /** Answers that no request of this load should get before the crash: each is a finding. */
  readonly unexpected: string[] = [];
  crashStartedAt = Number.POSITIVE_INFINITY;
  private sequence = 0;

  constructor(
    readonly cycle: number,
    private readonly origin: string,
    private readonly token: string,
  ) {}

  get crashing(): boolean {
    return Date.now() >= this.crashStartedAt;
  }

  async call(client: string, operation: Operation, expected: number[]): Promise<{ status: number; answer: Answer }> {
    // No pause for the crash: each client sends until an answer fails it (the server gone, or a 5xx
    // from a server whose database is gone), so the crash lands on requests in flight.
    const requestId = `crash${this.cycle}-${client}-${++this.sequence}`;
    const exchange: Exchange = { requestId, cycle: this.cycle, operation, outcome: 'in doubt' };
    this.exchanges.push(exchange);
    const { method, path: url, body } = requestOf(operation);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.origin}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          'x-request-id': requestId,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      text = await response.text();
    } catch (error) {
      exchange.failure =
        error instanceof Error ? `${error.message} ${error.cause instanceof Error ? error.cause.message : ''}` : String(error);
      if (!this.crashing) this.unexpected.push(`${method} ${url}: no answer before the crash: ${exchange.failure}`);
      throw new Stop();
    }
    exchange.answeredAt = Date.now();
    exchange.httpStatus = response.status;
    exchange.echoedRequestId = response.headers.get('x-request-id');
    exchange.answer = text === '' ? undefined : JSON.parse(text);
    const before = exchange.answeredAt < this.crashStartedAt;
    if (response.status >= 500) {
      exchange.failure = text.slice(0, 300);
      if (before) this.unexpected.push(`${method} ${url} → ${response.status} before the crash: ${exchange.failure}`);
      throw new Stop();
    }
    exchange.outcome = response.status < 300 ? 'acknowledged' : 'rejected';
    if (!expected.includes(response.status)) {
      if (before) this.unexpected.push(`${method} ${url} → ${response.status}, expected ${expected.join(' or ')}: ${text.slice(0, 300)}`);
      throw new Stop();
    }
    return { status: response.status, answer: exchange.answer as Answer };
  }
}

interface Pools {
  vehicles: number[];
  projects: string[];
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

/**
 * A fleet round: a vehicle and a technician of its own, assigned, updated, returned; a try for a
 * vehicle of the shared pool (201 or 409: every client wants one); both retired; a vehicle deleted.
 */
async function fleetRound(load: Load, client: string, pools: Pools): Promise<void> {
  const vehicle = (await load.call(client, { kind: 'createVehicle', plate: `CR-${unique()}` }, [201])).answer.vehicle.id;
  const technician = (await load.call(client, { kind: 'createTechnician', email: `tech-${unique()}@crash.test` }, [201])).answer.technician
    .id;
  const own = (await load.call(client, { kind: 'assign', vehicleId: vehicle, technicianId: technician }, [201])).answer.assignment.id;
  await load.call(client, { kind: 'updateVehicle', vehicleId: vehicle, make: `Make ${unique()}` }, [200]);
  await load.call(client, { kind: 'return', assignmentId: own }, [200]);
  const pooled = await load.call(client, { kind: 'assign', vehicleId: pick(pools.vehicles), technicianId: technician }, [201, 409]);
  if (pooled.status === 201) await load.call(client, { kind: 'return', assignmentId: pooled.answer.assignment.id }, [200]);
  await load.call(client, { kind: 'removeVehicle', vehicleId: vehicle, action: 'retire' }, [204]);
  await load.call(client, { kind: 'removeTechnician', technicianId: technician, action: 'retire' }, [204]);
  const unused = (await load.call(client, { kind: 'createVehicle', plate: `CR-${unique()}` }, [201])).answer.vehicle.id;
  await load.call(client, { kind: 'removeVehicle', vehicleId: unused, action: 'delete' }, [204]);
}

/**
 * A project round, in an organization of its own: two projects; a Dev assigned to one, then bulk
 * over both (one created, one skipped); an Employee on it and on a shared project (201 or 409:
 * every client wants that place); a second Dev refused for capacity (409), then let in once the
 * first Dev's assignment is deleted.
 */
async function projectRound(load: Load, client: string, pools: Pools): Promise<void> {
  const org = `o${unique()}.crash.test`;
  const user = async (role: Role[]) =>
    (await load.call(client, { kind: 'createUser', email: `${unique()}@${org}`, role }, [201])).answer.user_id;
  const project = async (ownerUserId: string) =>
    (await load.call(client, { kind: 'createProject', name: `Crash ${unique()}`, ownerUserId }, [201])).answer.project_id;
  const owner = await user(['Employee']);
  const first = await project(owner);
  const second = await project(owner);
  const dev = await user(['Dev']);
  const devAssignment = (await load.call(client, { kind: 'assignUser', userId: dev, projectId: first }, [201])).answer.assignment_id;
  await load.call(client, { kind: 'bulkAssign', userId: dev, projectIds: [first, second] }, [200]);
  const employee = await user(['Employee']);
  await load.call(client, { kind: 'assignUser', userId: employee, projectId: first }, [201]);
  await load.call(client, { kind: 'assignUser', userId: employee, projectId: pick(pools.projects) }, [201, 409]);
  const secondDev = await user(['Dev']);
  await load.call(client, { kind: 'assignUser', userId: secondDev, projectId: first }, [409]);
  await load.call(client, { kind: 'unassignUser', assignmentId: devAssignment }, [204]);
  await load.call(client, { kind: 'assignUser', userId: secondDev, projectId: first }, [201]);
}

async function setUpPools(load: Load): Promise<Pools> {
  const vehicles: number[] = [];
  for (let i = 0; i < 6; i++) {
    vehicles.push((await load.call('setup', { kind: 'createVehicle', plate: `POOL-${unique()}` }, [201])).answer.vehicle.id);
  }
  const owner = (await load.call('setup', { kind: 'createUser', email: `owner-${unique()}@shared.crash.test`, role: ['Admin'] }, [201]))
    .answer.user_id;
  const projects: string[] = [];
  for (let i = 0; i < 4; i++) {
    projects.push(
      (await load.call('setup', { kind: 'createProject', name: `Shared ${unique()}`, ownerUserId: owner }, [201])).answer.project_id,
    );
  }
  return { vehicles, projects };
}

async function runClient(load: Load, client: string, pools: Pools): Promise<void> {
  try {
    for (;;) {
      await fleetRound(load, client, pools);
      await projectRound(load, client, pools);
    }
  } catch (error) {
    if (!(error instanceof Stop)) load.unexpected.push(`client ${client} failed: ${String(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// What the database holds after the restart

interface AuditRow {
  request_id: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
}

interface Snapshot {
  vehicles: Map<number, { plate: string; make: string | null; retired: boolean }>;
  technicians: Map<number, { email: string; retired: boolean }>;
  assignments: Map<number, { vehicleId: number; technicianId: number; status: string }>;
  users: Map<string, { email: string }>;
  projects: Map<string, { name: string }>;
  projectAssignments: Map<string, { userId: string; projectId: string }>;
  audit: AuditRow[];
  /** Entries by request id. */
  byRequest: Map<string, AuditRow[]>;
  /** How many entries an entity has for an action: key `type id action`. */
  byEntity: Map<string, number>;
  /** Rows that break a rule, each described in a line. */
  ruleViolations: string[];
}

const entityKey = (type: string, id: string | number | null, action: string) => `${type} ${String(id)} ${action}`;

// Each query states a rule as the rows that break it; the planner is kept off the indexes so that
// the heap itself is read, not the indexes that should have enforced the rule.
const RULES: [string, string][] = [
  [
    'a vehicle with two active assignments',
    `select vehicle_id as id, count(*) as n from assignments where status = 'active' group by vehicle_id having count(*) > 1`,
  ],
  [
    'a technician with two active assignments',
    `select technician_id as id, count(*) as n from assignments where status = 'active' group by technician_id having count(*) > 1`,
  ],
  [
    'an active assignment on a retired vehicle or technician',
    `select a.id from assignments a join vehicles v on v.id = a.vehicle_id join technicians t on t.id = a.technician_id
     where a.status = 'active' and (v.retired_at is not null or t.retired_at is not null)`,
  ],
  [
    'a project with two Devs or two Employees',
    `select project_id, assigned_as, count(*) as n from project_assignments group by project_id, assigned_as having count(*) > 1`,
  ],
  [
    'a user assigned twice to one project',
    `select user_id, project_id, count(*) as n from project_assignments group by user_id, project_id having count(*) > 1`,
  ],
  [
    'an assignment in a capacity its user does not hold, or a Dev outside the owner organization',
    `select pa.assignment_id, pa.assigned_as from project_assignments pa
       join users u on u.user_id = pa.user_id
       join projects p on p.project_id = pa.project_id
       left join users o on o.user_id = p.owner_user_id
     where (pa.assigned_as = 'Dev' and (not 'Dev' = any(u.role) or o.user_id is null
             or lower(substring(u.email from '@([^@]*)$')) <> lower(substring(o.email from '@([^@]*)$'))))
        or (pa.assigned_as = 'Employee' and ('Dev' = any(u.role) or not 'Employee' = any(u.role)))`,
  ],
];

async function snapshot(url: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('set enable_indexscan = off; set enable_indexonlyscan = off; set enable_bitmapscan = off');
    const rows = async <Row extends pg.QueryResultRow>(query: string) => (await client.query<Row>(query)).rows;
    const ruleViolations: string[] = [];
    for (const [rule, query] of RULES) {
      for (const row of await rows(query)) ruleViolations.push(`${rule}: ${JSON.stringify(row)}`);
    }
    // The indexes that enforce the rules came through recovery intact (amcheck, shipped with PostgreSQL).
    await client.query('create extension if not exists amcheck');
    const indexes = await rows<{ name: string }>(
      `select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
       where c.relnamespace = 'public'::regnamespace and am.amname = 'btree'`,
    );
    for (const { name } of indexes) {
      try {
        await client.query('select bt_index_check($1::regclass, true)', [name]);
      } catch (error) {
        ruleViolations.push(`index ${name} is corrupt after recovery: ${String(error)}`);
      }
    }
    const audit = await rows<AuditRow>('select request_id, action, entity_type, entity_id from audit_log');
    const byRequest = new Map<string, AuditRow[]>();
    const byEntity = new Map<string, number>();
    for (const entry of audit) {
      byRequest.set(entry.request_id, [...(byRequest.get(entry.request_id) ?? []), entry]);
      const key = entityKey(entry.entity_type, entry.entity_id, entry.action);
      byEntity.set(key, (byEntity.get(key) ?? 0) + 1);
    }
    return {
      vehicles: new Map(
        (await rows('select id, plate_number, make, retired_at is not null as retired from vehicles')).map((row) => [
          row.id,
          { plate: row.plate_number, make: row.make, retired: row.retired },
        ]),
      ),
      technicians: new Map(
        (await rows('select id, email, retired_at is not null as retired from technicians')).map((row) => [
          row.id,
          { email: row.email, retired: row.retired },
        ]),
      ),
      assignments: new Map(
        (await rows('select id, vehicle_id, technician_id, status from assignments')).map((row) => [
          row.id,
          { vehicleId: row.vehicle_id, technicianId: row.technician_id, status: row.status },
        ]),
      ),
      users: new Map((await rows('select user_id, email from users')).map((row) => [row.user_id, { email: row.email }])),
      projects: new Map(
        (await rows('select project_id, project_name from projects')).map((row) => [row.project_id, { name: row.project_name }]),
      ),
      projectAssignments: new Map(
        (await rows('select assignment_id, user_id, project_id from project_assignments')).map((row) => [
          row.assignment_id,
          { userId: row.user_id, projectId: row.project_id },
        ]),
      ),
      audit,
      byRequest,
      byEntity,
      ruleViolations,
    };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The checks

/** The entries an acknowledged change wrote, as `action type id`, sorted. */
function entriesOf(operation: Operation, answer: Answer): string[] {
  const entry = (action: string, type: string, id: string | number) => `${action} ${type} ${String(id)}`;
  switch (operation.kind) {
    case 'createVehicle':
      return [entry('create', 'vehicle', answer.vehicle.id)];
    case 'updateVehicle':
      return [entry('update', 'vehicle', operation.vehicleId)];
    case 'removeVehicle':
      return [entry(operation.action, 'vehicle', operation.vehicleId)];
    case 'createTechnician':
      return [entry('create', 'technician', answer.technician.id)];
    case 'removeTechnician':
      return [entry(operation.action, 'technician', operation.technicianId)];
    case 'assign':
      return [entry('assign', 'assignment', answer.assignment.id)];
    case 'return':
      return [entry('return', 'assignment', operation.assignmentId)];
    case 'createUser':
      return [entry('create', 'user', answer.user_id)];
    case 'createProject':
      return [entry('create', 'project', answer.project_id)];
    case 'assignUser':
      return [entry('create', 'project_assignment', answer.assignment_id)];
    case 'bulkAssign':
      // One entry per assignment made; a skipped project made none.
      return (answer as unknown as { assignment_id: string }[])
        .map((made) => entry('bulk_create', 'project_assignment', made.assignment_id))
        .sort();
    case 'unassignUser':
      return [entry('delete', 'project_assignment', operation.assignmentId)];
  }
}

/** What a change left in doubt may have written: at most `max` entries of this kind. */
function possibleEntries(operation: Operation): { actions: string[]; type: string; id?: string; max: number } {
  switch (operation.kind) {
    case 'createVehicle':
      return { actions: ['create'], type: 'vehicle', max: 1 };
    case 'updateVehicle':
      return { actions: ['update'], type: 'vehicle', id: String(operation.vehicleId), max: 1 };
    case 'removeVehicle':
      return { actions: [operation.action], type: 'vehicle', id: String(operation.vehicleId), max: 1 };
    case 'createTechnician':
      return { actions: ['create'], type: 'technician', max: 1 };
    case 'removeTechnician':
      return { actions: [operation.action], type: 'technician', id: String(operation.technicianId), max: 1 };
    case 'assign':
      return { actions: ['assign'], type: 'assignment', max: 1 };
    case 'return':
      return { actions: ['return'], type: 'assignment', id: String(operation.assignmentId), max: 1 };
    case 'createUser':
      return { actions: ['create'], type: 'user', max: 1 };
    case 'createProject':
      return { actions: ['create'], type: 'project', max: 1 };
    case 'assignUser':
      return { actions: ['create'], type: 'project_assignment', max: 1 };
    case 'bulkAssign':
      return { actions: ['bulk_create'], type: 'project_assignment', max: new Set(operation.projectIds).size };
    case 'unassignUser':
      return { actions: ['delete'], type: 'project_assignment', id: operation.assignmentId, max: 1 };
  }
}

/** Why an acknowledged change is not (or no longer rightly) in the database; undefined when it is. */
function missingChange(operation: Operation, answer: Answer, db: Snapshot, removedLater: Set<string>): string | undefined {
  switch (operation.kind) {
    case 'createVehicle': {
      const id = answer.vehicle.id;
      const row = db.vehicles.get(id);
      if (row) return row.plate === operation.plate ? undefined : `vehicle ${id} has plate ${row.plate}, not ${operation.plate}`;
      return removedLater.has(`vehicle ${id}`) ? undefined : `vehicle ${id} is gone`;
    }
    case 'updateVehicle': {
      const row = db.vehicles.get(operation.vehicleId);
      return row?.make === operation.make ? undefined : `vehicle ${operation.vehicleId} has make ${row?.make}, not ${operation.make}`;
    }
    case 'removeVehicle': {
      const row = db.vehicles.get(operation.vehicleId);
      if (operation.action === 'retire') return row?.retired ? undefined : `vehicle ${operation.vehicleId} is not retired`;
      return row ? `vehicle ${operation.vehicleId} is still there` : undefined;
    }
    case 'createTechnician': {
      const id = answer.technician.id;
      const row = db.technicians.get(id);
      return row?.email === operation.email ? undefined : `technician ${id} is ${JSON.stringify(row)}, not ${operation.email}`;
    }
    case 'removeTechnician': {
      const row = db.technicians.get(operation.technicianId);
      return row?.retired ? undefined : `technician ${operation.technicianId} is not retired`;
    }
    case 'assign': {
      const id = answer.assignment.id;
      const row = db.assignments.get(id);
      return row?.vehicleId === operation.vehicleId && row.technicianId === operation.technicianId
        ? undefined
        : `assignment ${id} is ${JSON.stringify(row)}`;
    }
    case 'return': {
      const row = db.assignments.get(operation.assignmentId);
      return row?.status === 'returned' ? undefined : `assignment ${operation.assignmentId} is ${JSON.stringify(row)}, not returned`;
    }
    case 'createUser': {
      const row = db.users.get(answer.user_id);
      return row?.email === operation.email ? undefined : `user ${answer.user_id} is ${JSON.stringify(row)}`;
    }
    case 'createProject': {
      const row = db.projects.get(answer.project_id);
      return row?.name === operation.name ? undefined : `project ${answer.project_id} is ${JSON.stringify(row)}`;
    }
    case 'assignUser':
    case 'bulkAssign': {
      const made = operation.kind === 'assignUser' ? [answer] : (answer as unknown as Answer[]);
      for (const { assignment_id: id, user_id: userId, project_id: projectId } of made) {
        const row = db.projectAssignments.get(id);
        if (row ? row.userId !== userId || row.projectId !== projectId : !removedLater.has(`project_assignment ${id}`)) {
          return `project assignment ${id} is ${JSON.stringify(row)}`;
        }
      }
      return undefined;
    }
    case 'unassignUser':
      return db.projectAssignments.has(operation.assignmentId) ? `project assignment ${operation.assignmentId} is still there` : undefined;
  }
}

interface Report {
  acknowledged: number;
  rejected: number;
  inDoubt: number;
  /** Of those in doubt, how many turned out committed (their audit entry is there). */
  inDoubtCommitted: number;
  problems: string[];
}

/** Every request of every cycle so far against what the database holds now. */
function check(exchanges: Exchange[], db: Snapshot): Report {
  const problems: string[] = [...db.ruleViolations];
  const sent = new Set(exchanges.map((exchange) => exchange.requestId));
  // Deletes sent (answered or not) excuse the absence of what they delete; the table-wide checks
  // below then demand the delete's audit entry.
  const removedLater = new Set<string>();
  for (const { operation } of exchanges) {
    if (operation.kind === 'removeVehicle') removedLater.add(`vehicle ${operation.vehicleId}`);
    if (operation.kind === 'unassignUser') removedLater.add(`project_assignment ${operation.assignmentId}`);
  }
  const report: Report = { acknowledged: 0, rejected: 0, inDoubt: 0, inDoubtCommitted: 0, problems };

  for (const exchange of exchanges) {
    const { requestId, operation } = exchange;
    const what = `${requestId} ${requestOf(operation).method} ${requestOf(operation).path}`;
    const entries = db.byRequest.get(requestId) ?? [];
    const written = entries.map((entry) => `${entry.action} ${entry.entity_type} ${entry.entity_id}`).sort();
    if (exchange.httpStatus !== undefined && exchange.echoedRequestId !== requestId) {
      problems.push(`${what}: answered with X-Request-Id ${exchange.echoedRequestId}`);
    }
    if (exchange.outcome === 'acknowledged') {
      report.acknowledged++;
      const expected = entriesOf(operation, exchange.answer as Answer);
      if (JSON.stringify(written) !== JSON.stringify(expected)) {
        problems.push(`${what} (${exchange.httpStatus}): audit entries ${JSON.stringify(written)}, expected ${JSON.stringify(expected)}`);
      }
      const missing = missingChange(operation, exchange.answer as Answer, db, removedLater);
      if (missing) problems.push(`${what} (${exchange.httpStatus}, acknowledged): ${missing}`);
    } else if (exchange.outcome === 'rejected' || isNothingChanged(exchange)) {
      // A rejected request writes nothing; so does one answered "nothing was changed".
      if (exchange.outcome === 'rejected') report.rejected++;
      else report.inDoubt++;
      if (written.length > 0) problems.push(`${what} (${exchange.httpStatus}, rejected): wrote ${JSON.stringify(written)}`);
    } else {
      report.inDoubt++;
      if (entries.length > 0) report.inDoubtCommitted++;
      const possible = possibleEntries(operation);
      const ids = new Set(entries.map((entry) => entry.entity_id));
      const fitting = entries.every(
        (entry) =>
          entry.entity_type === possible.type &&
          possible.actions.includes(entry.action) &&
          (!possible.id || entry.entity_id === possible.id),
      );
      if (entries.length > possible.max || ids.size !== entries.length || !fitting) {
        problems.push(
          `${what} (in doubt): wrote ${JSON.stringify(written)}, at most ${possible.max} of ${possible.actions.join('/')} ${possible.type}`,
        );
      }
    }
  }

  // No entry without a request of this test, and no change without its entry (nor an entry
  // without its change): the change and its entry were one transaction, crash or no crash.
  for (const entry of db.audit) {
    if (!sent.has(entry.request_id)) problems.push(`an audit entry of a request never sent: ${JSON.stringify(entry)}`);
  }
  const count = (type: string, id: string | number, action: string) => db.byEntity.get(entityKey(type, id, action)) ?? 0;
  const expectCount = (label: string, actual: number, wanted: number) => {
    if (actual !== wanted) problems.push(`${label}: ${actual} audit entries, expected ${wanted}`);
  };
  for (const [type, rows] of [
    ['vehicle', db.vehicles],
    ['technician', db.technicians],
  ] as const) {
    for (const [id, row] of rows) {
      expectCount(`${type} ${id} create`, count(type, id, 'create'), 1);
      expectCount(`${type} ${id} retire`, count(type, id, 'retire'), row.retired ? 1 : 0);
      expectCount(`${type} ${id} delete`, count(type, id, 'delete'), 0);
    }
    for (const entry of db.audit.filter((e) => e.entity_type === type && e.action === 'create' && !rows.has(Number(e.entity_id)))) {
      expectCount(`${type} ${entry.entity_id} created and gone: delete`, count(type, entry.entity_id!, 'delete'), 1);
    }
  }
  for (const [id, row] of db.assignments) {
    expectCount(`assignment ${id} assign`, count('assignment', id, 'assign'), 1);
    expectCount(`assignment ${id} (${row.status}) return`, count('assignment', id, 'return'), row.status === 'returned' ? 1 : 0);
  }
  for (const entry of db.audit.filter((e) => e.entity_type === 'assignment' && !db.assignments.has(Number(e.entity_id)))) {
    problems.push(`an audit entry of an assignment that is not there: ${JSON.stringify(entry)}`);
  }
  for (const [id, row] of db.users) {
    // The administrator made at the first start is made by the server, not by a request.
    if (row.email !== 'admin@localhost') expectCount(`user ${id} create`, count('user', id, 'create'), 1);
  }
  for (const id of db.projects.keys()) expectCount(`project ${id} create`, count('project', id, 'create'), 1);
  for (const id of db.projectAssignments.keys()) {
    const made = count('project_assignment', id, 'create') + count('project_assignment', id, 'bulk_create');
    expectCount(`project assignment ${id} create/bulk_create`, made, 1);
    expectCount(`project assignment ${id} delete`, count('project_assignment', id, 'delete'), 0);
  }
  for (const entry of db.audit.filter(
    (e) => e.entity_type === 'project_assignment' && e.action !== 'delete' && !db.projectAssignments.has(e.entity_id!),
  )) {
    expectCount(`project assignment ${entry.entity_id} made and gone: delete`, count('project_assignment', entry.entity_id!, 'delete'), 1);
  }
  for (const [type, rows] of [
    ['user', db.users],
    ['project', db.projects],
  ] as const) {
    for (const entry of db.audit.filter((e) => e.entity_type === type && !rows.has(e.entity_id!))) {
      problems.push(`an audit entry of a ${type} that is not there: ${JSON.stringify(entry)}`);
    }
  }
  // A create left in doubt made its row at most once.
  const plates = countBy([...db.vehicles.values()].map((row) => row.plate));
  const emails = countBy([...db.technicians.values(), ...db.users.values()].map((row) => row.email));
  const names = countBy([...db.projects.values()].map((row) => row.name));
  for (const { operation, requestId } of exchanges) {
    const made =
      operation.kind === 'createVehicle'
        ? plates.get(operation.plate)
        : operation.kind === 'createTechnician' || operation.kind === 'createUser'
          ? emails.get(operation.email)
          : operation.kind === 'createProject'
            ? names.get(operation.name)
            : undefined;
    if ((made ?? 0) > 1) problems.push(`${requestId} ${operation.kind}: made ${made} rows`);
  }
  return report;
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function isNothingChanged(exchange: Exchange): boolean {
  const type = (exchange.answer as { type?: unknown } | undefined)?.type;
  return exchange.httpStatus === 503 && typeof type === 'string' && type.endsWith('/database-busy');
}

/** What the requests still in flight when the crash began got: `201×3, 500×2, none×11`. */
function answersDuringCrash(load: Load): string {
  const cut = load.exchanges.filter((exchange) => exchange.answeredAt === undefined || exchange.answeredAt >= load.crashStartedAt);
  const counts = countBy(cut.map((exchange) => String(exchange.httpStatus ?? 'none')));
  return [...counts].map(([status, n]) => `${status}×${n}`).join(', ') || 'none';
}

function summary(problems: string[]): string[] {
  return problems.length <= 40 ? problems : [...problems.slice(0, 40), `… and ${problems.length - 40} more`];
}

// ---------------------------------------------------------------------------------------------
// The test

const toolchain = findToolchain();
const skipReason = typeof toolchain === 'string' && process.env.CI !== 'true' ? toolchain : undefined;

describe.skipIf(skipReason !== undefined)(
  `kill -9 of the server and an immediate PostgreSQL stop, ${CRASHES} times under ${CLIENTS} writing clients${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let cluster: Cluster | undefined;
    let server: ServerProcess | undefined;
    let token: string;
    const exchanges: Exchange[] = [];
    let crashesSurvived = 0;
    let checkedAcknowledged = 0;
    let serverWithoutDatabase: Awaited<ReturnType<typeof probeServer>> | undefined;

    const databaseUrl = () => cluster!.url('allot');

    async function startAllot(): Promise<ServerProcess> {
      const started = await startServer({ DATABASE_URL: databaseUrl(), JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'error' });
      await waitUntilReady(started, 60_000);
      return started;
    }

    async function crash(order: CrashOrder): Promise<void> {
      const killServer = async () => {
        server!.child.kill('SIGKILL');
        await server!.exited;
      };
      if (order === 'server and PostgreSQL at once') await Promise.all([killServer(), cluster!.crash()]);
      else if (order === 'the server first, then PostgreSQL') {
        await killServer();
        await cluster!.crash();
      } else {
        await cluster!.crash();
        await sleep(150);
        serverWithoutDatabase = await probeServer();
        await killServer();
      }
    }

    /** Whether the server is still up, and what /readyz says, while its database is down. */
    async function probeServer(): Promise<{ running: boolean; readyz: number | 'no answer'; output: string }> {
      let readyz: number | 'no answer' = 'no answer';
      try {
        readyz = (await fetch(`http://127.0.0.1:${server!.port}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
      } catch {
        // Gone.
      }
      const running = server!.child.exitCode === null && server!.child.signalCode === null;
      return { running, readyz, output: server!.output().slice(-2_000) };
    }

    beforeAll(async () => {
      if (typeof toolchain === 'string') throw new Error(`CI=true, so this test may not skip: ${toolchain}`);
      cluster = await Cluster.create(toolchain);
      await cluster.start();
      const admin = new pg.Client({ connectionString: cluster.url('postgres') });
      await admin.connect();
      await admin.query('create database allot');
      await admin.end();
      server = await startAllot();
      token = await adminToken('crash-tester');
    });

    afterAll(async () => {
      if (server && server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
      await cluster?.destroy();
    });

    for (let cycle = 1; cycle <= CRASHES; cycle++) {
      const order = CRASH_ORDERS[(cycle - 1) % CRASH_ORDERS.length]!;
      it(`crash ${cycle} of ${CRASHES} (${order}): every change acknowledged since the start is there with its one audit entry, and the rules hold`, async ({
        annotate,
      }) => {
        const started = Date.now();
        const load = new Load(cycle, `http://127.0.0.1:${server!.port}`, token);
        const pools = await setUpPools(load);
        const clients = Array.from({ length: CLIENTS }, (_, i) => runClient(load, `c${i}`, pools));
        // Somewhere in the middle of the load, never at the same point twice.
        const loadMs = 2000 + Math.floor(Math.random() * 1500);
        await sleep(loadMs);
        load.crashStartedAt = Date.now();
        await crash(order);
        await Promise.all(clients);
        exchanges.push(...load.exchanges);

        await cluster!.start();
        expect(cluster!.recoveries(), 'PostgreSQL recovered from its WAL at each restart').toBe(cycle);
        server = await startAllot();
        crashesSurvived++;

        const report = check(exchanges, await snapshot(databaseUrl()));
        const thisCycle = load.exchanges.filter((exchange) => exchange.outcome === 'acknowledged').length;
        const inDoubtNow = load.exchanges.filter((exchange) => exchange.outcome === 'in doubt').length;
        const line =
          `crash ${cycle} (${order}) after ${loadMs} ms of load: ${report.acknowledged} acknowledged changes checked ` +
          `(${thisCycle} from this cycle), ${report.rejected} rejections wrote nothing, ${report.inDoubt} in doubt ` +
          `(${inDoubtNow} from this crash; ${report.inDoubtCommitted} of all turned out committed) made at most once; ` +
          `answers once the crash began: ${answersDuringCrash(load)}; ${crashesSurvived} crashes survived; ${Date.now() - started} ms`;
        console.info(line);
        await annotate(line);
        checkedAcknowledged = report.acknowledged;

        expect(load.unexpected, 'answers no request should get before the crash').toEqual([]);
        // A database that went away is a retryable 503, never an internal error.
        expect(load.exchanges.filter((exchange) => exchange.httpStatus === 500).length, 'answers 500').toBe(0);
        expect(summary(report.problems), `${report.acknowledged} acknowledged changes checked after ${crashesSurvived} crashes`).toEqual(
          [],
        );
        expect(thisCycle, 'acknowledged changes in this cycle').toBeGreaterThanOrEqual(MIN_ACKNOWLEDGED_PER_CYCLE);
        expect(inDoubtNow, 'requests cut by the crash: it happened under load').toBeGreaterThan(0);
      });
    }

    it('when PostgreSQL crashes under load, the server process stays up and /readyz answers 503 (until it is killed)', () => {
      // Observed in the crash cycle where PostgreSQL goes first, 150 ms before the server is killed.
      expect(serverWithoutDatabase, 'a cycle stopped PostgreSQL before the server').toBeDefined();
      const { output, ...seen } = serverWithoutDatabase!;
      expect(seen, `the server's output:\n${output}`).toEqual({ running: true, readyz: 503 });
    });

    it(`after ${CRASHES} crashes the restarted server takes writes again, and every acknowledged change was checked`, async ({
      annotate,
    }) => {
      expect(crashesSurvived).toBe(CRASHES);
      const load = new Load(CRASHES + 1, `http://127.0.0.1:${server!.port}`, token);
      await fleetRound(load, 'after', await setUpPools(load));
      expect(load.unexpected).toEqual([]);
      const all = exchanges.filter((exchange) => exchange.outcome === 'acknowledged').length;
      await annotate(`${checkedAcknowledged} acknowledged changes checked after ${crashesSurvived} crashes`);
      expect(checkedAcknowledged, 'acknowledged changes checked').toBe(all);
      expect(checkedAcknowledged).toBeGreaterThanOrEqual(CRASHES * MIN_ACKNOWLEDGED_PER_CYCLE);
    });
  },
);
