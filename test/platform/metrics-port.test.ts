import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { createVehicle } from '../support/fleet.ts';
import { expectProblem, readResponse } from '../support/problems.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

describe('GET /metrics on the public port (no METRICS_PORT)', () => {
  it('shows the request counters and the process metrics, but not the exact Node version', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/^http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]\d*$/m);
    expect(response.body).toContain('process_cpu_seconds_total');
    expect(response.body).not.toContain('nodejs_version_info');
    expect(response.body).not.toContain(process.version);
  });
});

describe('with METRICS_PORT, /metrics on a port of its own', () => {
  let metered: TestApp;
  let metricsUrl: string;
  beforeAll(async () => {
    metered = await testApp({ database: t.database, config: { metricsPort: 0 } });
    await metered.app.listen({ port: 0, host: '127.0.0.1' });
    metricsUrl = await metered.app.metricsListener!.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => metered.close());

  it('the public port does not serve it, and the document does not list it', async () => {
    expectProblem(await metered.app.inject({ method: 'GET', url: '/metrics' }), 404, 'route-not-found');
    expect(Object.keys(metered.document.paths)).not.toContain('/metrics');
    expect(Object.keys(t.document.paths)).toContain('/metrics');
  });

  it('the metrics port shows the requests the public port answered, and the Node version', async () => {
    const vehicle = await createVehicle(metered);
    expect((await metered.request('GET', `/api/admin/vehicles/${vehicle.id}`)).statusCode).toBe(200);

    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/api\/admin\/vehicles\/:id",status="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^http_requests_total\{method="POST",route="\/api\/admin\/vehicles",status="201"\} [1-9]\d*$/m);
    expect(text).toContain(`nodejs_version_info{version="${process.version}"`);
  });

  it('the metrics port serves nothing else: other paths are 404 problem+json', async () => {
    expectProblem(await readResponse(await fetch(`${metricsUrl}/api/admin/vehicles`)), 404, 'route-not-found');
    expectProblem(await readResponse(await fetch(`${metricsUrl}/healthz`)), 404, 'route-not-found');
  });

  it('the metrics port closes with the app', async () => {
    const closing = await testApp({ database: t.database, config: { metricsPort: 0 } });
    const url = await closing.app.metricsListener!.listen({ port: 0, host: '127.0.0.1' });
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    await closing.close();
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
  });
});
