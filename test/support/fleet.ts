import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Assignment } from '../../src/fleet/assignments/assignments.schemas.ts';
import type { Technician } from '../../src/fleet/technicians/technicians.schemas.ts';
import type { Vehicle } from '../../src/fleet/vehicles/vehicles.schemas.ts';
import { unique } from './app.ts';
import type { TestApp } from './app.ts';

export type { Assignment, Technician, Vehicle };

/** An id no test ever creates: the largest integer id the API accepts. */
export const MISSING_ID = 2_147_483_647;

/** ISO 8601 UTC with milliseconds, as every fleet timestamp is. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function plate(): string {
  return `P-${unique()}`.toUpperCase();
}

export function vin(): string {
  return `VIN${unique()}`.toUpperCase();
}

export function email(prefix = 'tech'): string {
  return `${prefix}-${unique()}@fleet.test`;
}

function created<T>(response: LightMyRequestResponse, key: string): T {
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Record<string, T>>()[key]!;
}

export async function createVehicle(t: TestApp, fields: Partial<Vehicle> = {}): Promise<Vehicle> {
  return created<Vehicle>(await t.request('POST', '/api/admin/vehicles', { plateNumber: plate(), ...fields }), 'vehicle');
}

export async function createTechnician(t: TestApp, fields: Partial<Technician> = {}): Promise<Technician> {
  return created<Technician>(
    await t.request('POST', '/api/admin/technicians', { name: `Tech ${unique()}`, email: email(), ...fields }),
    'technician',
  );
}

export async function assign(t: TestApp, vehicleId: number, technicianId: number, token?: string): Promise<Assignment> {
  return created<Assignment>(await t.request('POST', '/api/admin/assignments', { vehicleId, technicianId }, token), 'assignment');
}

/** A fresh vehicle assigned to a fresh technician. */
export async function activeAssignment(t: TestApp): Promise<Assignment> {
  const [vehicle, technician] = await Promise.all([createVehicle(t), createTechnician(t)]);
  return assign(t, vehicle.id, technician.id);
}

export async function returnAssignment(t: TestApp, id: number): Promise<Assignment> {
  const response = await t.request('PATCH', `/api/admin/assignments/${id}/return`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ assignment: Assignment }>().assignment;
}
