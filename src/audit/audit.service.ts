import type { Cursors } from '../platform/cursors.ts';
import type { Database } from '../platform/db.ts';
import { problems } from '../platform/problems.ts';
import type { AuditEntry, AuditLogQuery } from './audit.schemas.ts';
import * as store from './audit.store.ts';

export async function listAuditLog(
  db: Database,
  cursors: Cursors,
  query: AuditLogQuery,
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const { cursor, ...filter } = query;
  const beforeId = cursor === undefined ? undefined : positionOf(cursors, cursor);
  // One row more than asked tells whether another page follows.
  const rows = await store.listEntries(db, { ...filter, beforeId, limit: query.limit + 1 });
  if (rows.length <= query.limit) return { entries: rows, nextCursor: null };
  const entries = rows.slice(0, query.limit);
  return { entries, nextCursor: cursors.seal([entries[entries.length - 1]!.id]) };
}

/** The id a cursor of this list holds; anything else is a 400. */
function positionOf(cursors: Cursors, cursor: string): number {
  const [id] = cursors.open(cursor);
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return id;
  throw problems.invalidCursor();
}
