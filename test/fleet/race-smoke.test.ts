import { afterAll, beforeAll, expect, it } from 'vitest';
import { testApp, unique } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

it('of 20 concurrent creates for one vehicle exactly one is 201', async () => {
  const v = (await t.request('POST', '/api/admin/vehicles', { plateNumber: `R-${unique()}` })).json().vehicle;
  const techs = await Promise.all(
    Array.from({ length: 20 }, async (_, i) =>
      (await t.request('POST', '/api/admin/technicians', { name: `T${i}`, email: `t${i}-${unique()}@x.io` })).json().technician,
    ),
  );
  const results = await Promise.all(techs.map((tech) => t.request('POST', '/api/admin/assignments', { vehicleId: v.id, technicianId: tech.id })));
  const codes = results.map((r) => r.statusCode).sort();
  expect(codes.filter((c) => c === 201)).toHaveLength(1);
  expect(codes.filter((c) => c === 409)).toHaveLength(19);
});
