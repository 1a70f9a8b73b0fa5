import type { Cursors } from '../platform/cursors.ts';
import { problems } from '../platform/problems.ts';

/** A position in the newest-first order of assignments: (assignedAt, id) of the last row shown. */
export interface Position {
  assignedAt: Date;
  id: number;
}

export function encodeCursor(cursors: Cursors, position: Position): string {
  return cursors.seal([position.assignedAt.toISOString(), position.id]);
}

// Exactly what toISOString() writes for the years PostgreSQL and JavaScript both handle.
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_ID = 2_147_483_647;

/** Accepts only a cursor this server signed, holding what encodeCursor writes; anything else is 400. */
export function decodeCursor(cursors: Cursors, cursor: string): Position {
  const [at, id] = cursors.open(cursor);
  if (typeof at === 'string' && ISO_MS.test(at) && Number.isInteger(id) && (id as number) > 0 && (id as number) <= MAX_ID) {
    return { assignedAt: new Date(at), id: id as number };
  }
  throw problems.invalidCursor();
}
