import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/platform/db.ts';
import { testApp, testDatabase } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { assign, createTechnician, createVehicle, returnAssignment } from '../support/fleet.ts';
import type { Assignment } from '../support/fleet.ts';
import { expectProblem } from '../support/problems.ts';

let database: DatabaseHandle;
let first: TestApp;
let second: TestApp;
beforeAll(async () => {
  database = await testDatabase();
  // Two replicas of the server on one database.
  first = await testApp({ database });
  second = await testApp({ database });
});
afterAll(async () => {
  await first.close();
  await second.close();
  await database.close();
});

interface Page {
  assignments: Assignment[];
  nextCursor: string | null;
}

/** A technician with three returned assignments, and the first page (two) of their list. */
async function firstPage(): Promise<{ technicianId: number; page: Page }> {
  const technician = await createTechnician(first);
  for (let i = 0; i < 3; i++) {
    const vehicle = await createVehicle(first);
    await returnAssignment(first, (await assign(first, vehicle.id, technician.id)).id);
  }
  const response = await first.request('GET', `/api/admin/assignments?technicianId=${technician.id}&limit=2`);
  expect(response.statusCode, response.body).toBe(200);
  return { technicianId: technician.id, page: response.json<Page>() };
}

describe('pagination cursors are signed by the server', () => {
  it('a cursor made by one replica is good on another', async () => {
    const { technicianId, page } = await firstPage();
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await second.request('GET', `/api/admin/assignments?technicianId=${technicianId}&limit=2&cursor=${page.nextCursor}`);
    expect(next.statusCode, next.body).toBe(200);
    expect(next.json<Page>().assignments).toHaveLength(1);
  });

  it('a well-formed cursor the server did not sign is 400', async () => {
    const { technicianId, page } = await firstPage();
    const position = page.nextCursor!.split('.')[0]!;
    const forged = Buffer.from(JSON.stringify(['2100-01-01T00:00:00.000Z', 2_000_000_000])).toString('base64url');
    for (const cursor of [position, forged, `${forged}.${page.nextCursor!.split('.')[1]}`, `${forged}.AAAAAAAAAAAAAAAAAAAAAA`]) {
      const response = await first.request('GET', `/api/admin/assignments?technicianId=${technicianId}&limit=2&cursor=${cursor}`);
      expectProblem(response, 400, 'invalid-cursor');
    }
  });
});
