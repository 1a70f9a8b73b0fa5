// npm run bench: throughput and latency of the hot routes, on the embedded database (default) or
// on PostgreSQL (DATABASE_URL=postgres://…). Prints a table; never part of `npm test`.
import autocannon from 'autocannon';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { issueToken } from '../src/platform/auth.ts';
import { openDatabase } from '../src/platform/db.ts';

const SECRET = 'bench-secret-bench-secret-bench-secret-00';
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

const config = loadConfig({ DATABASE_URL: process.env.DATABASE_URL ?? 'memory://', JWT_SECRET: SECRET, LOG_LEVEL: 'silent' });
const database = await openDatabase(config.database);
await database.migrate();
const app = await buildApp({ config, database, jwtSecret: SECRET, logger: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const { token } = await issueToken(SECRET, { sub: 'bench', roles: ['admin'], ttlSeconds: 3600 });
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

async function post(path: string, body: unknown) {
  const response = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  return response.json() as Promise<Record<string, { id: number }>>;
}

// A fleet of 200 vehicles and technicians, 100 of them assigned, with some returned history.
const run = Date.now().toString(36);
const vehicles: number[] = [];
const technicians: number[] = [];
for (let i = 0; i < 200; i++) {
  vehicles.push((await post('/api/admin/vehicles', { plateNumber: `B-${run}-${i}` })).vehicle!.id);
  technicians.push((await post('/api/admin/technicians', { name: `Tech ${i}`, email: `t${i}-${run}@bench.test` })).technician!.id);
}
for (let i = 0; i < 100; i++) await post('/api/admin/assignments', { vehicleId: vehicles[i], technicianId: technicians[i] });

interface Row {
  scenario: string;
  'req/s': number;
  'p50 ms': number;
  'p99 ms': number;
  errors: number;
}
const rows: Row[] = [];

async function measure(scenario: string, path: string) {
  const result = await autocannon({ url: base + path, connections: CONNECTIONS, duration: DURATION_S, headers });
  rows.push({
    scenario,
    'req/s': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    errors: result.errors + result.non2xx,
  });
}

await measure('GET /healthz (no auth, no database)', '/healthz');
await measure('GET /api/admin/vehicles/:id', `/api/admin/vehicles/${vehicles[0]}`);
await measure('GET /api/admin/assignments?limit=50', '/api/admin/assignments?limit=50');
await measure('GET /api/admin/assignments?status=active (100 rows)', '/api/admin/assignments?status=active');

// Assign and return in a loop over the free half of the fleet: one create and one return per pair.
let cursor = 100;
const started = Date.now();
let cycles = 0;
const workers = Array.from({ length: CONNECTIONS / 2 }, async () => {
  while (Date.now() - started < DURATION_S * 1000) {
    const i = 100 + (cursor++ % 100);
    const created = await fetch(base + '/api/admin/assignments', {
      method: 'POST',
      headers,
      body: JSON.stringify({ vehicleId: vehicles[i], technicianId: technicians[i] }),
    });
    if (created.status !== 201) continue;
    const { assignment } = (await created.json()) as { assignment: { id: number } };
    await fetch(`${base}/api/admin/assignments/${assignment.id}/return`, {
      method: 'PATCH',
      headers: { authorization: headers.authorization },
    });
    cycles++;
  }
});
await Promise.all(workers);
rows.push({
  scenario: 'POST assignment + PATCH return (cycles/s)',
  'req/s': Math.round(cycles / DURATION_S),
  'p50 ms': NaN,
  'p99 ms': NaN,
  errors: 0,
});

const memory = process.memoryUsage();
console.log(`allot bench on ${database.kind}, ${CONNECTIONS} connections, ${DURATION_S} s per scenario`);
console.table(rows);
console.log(`process RSS ${Math.round(memory.rss / 2 ** 20)} MiB, heap used ${Math.round(memory.heapUsed / 2 ** 20)} MiB`);

await app.close();
await database.close();
