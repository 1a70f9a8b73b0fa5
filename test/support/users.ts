import { expect } from 'vitest';
import { unique } from './app.ts';
import type { TestApp } from './app.ts';

export type Role = 'Admin' | 'Employee' | 'Dev';

export interface UserBody {
  user_id: string;
  email: string;
  role: Role[];
  status: string;
  created_at: string;
  [field: string]: unknown;
}

/** The fields of a user in the Project API's answers, sorted. */
export const USER_KEYS = ['created_at', 'email', 'first_name', 'is_email_verified', 'last_name', 'role', 'status', 'updated_at', 'user_id'];

/** A fresh organization (email domain) nobody else uses. */
export function organization(): string {
  return `org-${unique()}.example`;
}

/** A fresh email address, of a fresh organization unless `domain` is given. */
export function userEmail(domain = organization()): string {
  return `u-${unique()}@${domain}`;
}

/**
 * A body for POST /api/v1/users: an Employee with a fresh email, with `fields` added or replacing
 * (any value, valid or not; `undefined` leaves the field out).
 */
export function newUser(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { email: userEmail(), first_name: 'Test', last_name: 'User', role: ['Employee'], ...fields };
}

export interface UserFields {
  /** The organization of the user's email (ignored when `email` is given). */
  domain?: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  role?: Role[];
  status?: 'active' | 'inactive';
  is_email_verified?: boolean;
  password?: string;
}

/** Creates a user through the API (an Employee of a fresh organization unless told otherwise). */
export async function createUser(t: TestApp, { domain, ...fields }: UserFields = {}): Promise<UserBody> {
  const response = await t.request('POST', '/api/v1/users', newUser({ email: userEmail(domain), ...fields }));
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}
