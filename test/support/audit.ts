import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { adminToken, clientAddress, unique } from './app.ts';
import type { TestApp } from './app.ts';

/** An entry of GET /api/admin/audit-log. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  actorIssuer: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  requestId: string;
  before: unknown;
  after: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

export const AUDIT_ENTRY_KEYS = ['action', 'actor', 'actorIssuer', 'after', 'at', 'before', 'entityId', 'entityType', 'id', 'requestId'];

/** ISO 8601 with a time zone (UTC `Z` or an offset), optional fractions of a second. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export type AuditQuery = Record<string, string | number | undefined>;

function queryString(query: AuditQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** One page of the log: 200 expected. */
export async function auditPage(t: TestApp, query: AuditQuery = {}, token?: string): Promise<AuditPage> {
  const response = await t.request('GET', `/api/admin/audit-log${queryString(query)}`, undefined, token);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<AuditPage>();
}

/** Every entry matching `query`, newest first, walking the pages. */
export async function auditEntries(t: TestApp, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await auditPage(t, { limit: 1000, ...query, cursor });
    entries.push(...page.entries);
    if (page.nextCursor === null) return entries;
    cursor = page.nextCursor;
  }
}

/**
 * An administrator with a sub of its own, so that a test finds everything it did with
 * `?actor=<sub>` however many other tests write to the log at the same time. Each request carries
 * an `X-Request-Id` of its own, which the entries it writes must repeat.
 */
export interface Actor {
  sub: string;
  token: string;
  send(method: string, url: string, body?: unknown): Promise<LightMyRequestResponse>;
  /** Everything this actor wrote to the log, newest first. */
  entries(query?: AuditQuery): Promise<AuditEntry[]>;
}

export function newRequestId(): string {
  return `audit-${unique()}-${unique()}`;
}

export async function newActor(t: TestApp, prefix = 'auditor'): Promise<Actor> {
  const sub = `${prefix}-${unique()}`;
  const token = await adminToken(sub);
  return {
    sub,
    token,
    send: async (method, url, body) => {
      const requestId = newRequestId();
      const response = await t.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      expect(response.headers['x-request-id']).toBe(requestId);
      return response;
    },
    entries: (query = {}) => auditEntries(t, { ...query, actor: sub }),
  };
}

/** The X-Request-Id a response was sent with. */
export function requestIdOf(response: LightMyRequestResponse): string {
  const id = response.headers['x-request-id'];
  expect(id, 'the response has an X-Request-Id').toEqual(expect.any(String));
  return id as string;
}

/** The entries among `entries` written by the request that got `response`. */
export function writtenBy(entries: AuditEntry[], response: LightMyRequestResponse): AuditEntry[] {
  const id = requestIdOf(response);
  return entries.filter((entry) => entry.requestId === id);
}

export interface ExpectedEntry {
  actor: string;
  /** allot (the tests' tokens are signed with the secret) unless given; null for sign-ins, which have no token. */
  actorIssuer?: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
}

/**
 * The one entry the request that got `response` wrote among `entries`, checked field by field:
 * exactly the documented keys, an integer id, a timestamp of the time of the request, and
 * `expected` to the letter.
 */
export function expectOneEntry(entries: AuditEntry[], response: LightMyRequestResponse, expected: ExpectedEntry): AuditEntry {
  const mine = writtenBy(entries, response);
  expect(mine, `entries of request ${requestIdOf(response)}`).toHaveLength(1);
  const entry = mine[0]!;
  expectEntryShape(entry);
  const actorIssuer = expected.action === 'login' || expected.action === 'login_failed' ? null : 'allot';
  expect(entry).toEqual({ actorIssuer, ...expected, id: entry.id, at: entry.at, requestId: requestIdOf(response) });
  return entry;
}

/** The shape every entry has, whatever it records. */
export function expectEntryShape(entry: AuditEntry): void {
  expect(Object.keys(entry).sort()).toEqual(AUDIT_ENTRY_KEYS);
  expect(Number.isInteger(entry.id) && entry.id > 0, `id ${String(entry.id)}`).toBe(true);
  expect(entry.at).toMatch(ISO_TIMESTAMP);
  // Written a moment ago by this test (a minute's slack for a slow machine or another clock).
  expect(Math.abs(Date.now() - Date.parse(entry.at))).toBeLessThan(60_000);
  expect(entry.actor).toEqual(expect.any(String));
  expect(entry.requestId).toEqual(expect.any(String));
  expect(entry.entityId === null || typeof entry.entityId === 'string').toBe(true);
}

/** Entries are listed newest first: ids strictly descending. */
export function expectNewestFirst(entries: AuditEntry[]): void {
  const ids = entries.map((entry) => entry.id);
  expect(ids).toEqual([...ids].sort((a, b) => b - a));
  expect(new Set(ids).size).toBe(ids.length);
}

// ---------------------------------------------------------------------------------------------

export const LOG = '/api/admin/audit-log';

export function ok<T>(response: LightMyRequestResponse, status: number): T {
  expect(response.statusCode, response.body).toBe(status);
  return response.json<T>();
}

/** What the API answers for GET `url` right now: the "before" of the next change. */
export async function current<T>(t: TestApp, url: string): Promise<T> {
  return ok<T>(await t.request('GET', url), 200);
}

/** Every entry about one entity, newest first. */
export const entriesAbout = (t: TestApp, entityType: string, entityId: string | number) =>
  auditEntries(t, { entityType, entityId: String(entityId) });

/** Each sign-in from its own client address, so that no test's failures throttle another's. */
export { clientAddress };

export function login(t: TestApp, body: unknown, remoteAddress = clientAddress(), requestId = newRequestId()) {
  return t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: body as object,
    remoteAddress,
    headers: { 'x-request-id': requestId },
  });
}
