import { problems } from '../platform/problems.ts';

/** A position in the newest-first order of assignments: (assignedAt, id) of the last row shown. */
export interface Position {
  assignedAt: Date;
  id: number;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.assignedAt.toISOString(), position.id])).toString('base64url');
}

// Exactly what toISOString() writes for the years PostgreSQL and JavaScript both handle: a cursor
// like ["+275760-09-13T00:00:00.000Z", 1] is a valid Date yet makes PostgreSQL fail.
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_ID = 2_147_483_647;

/** Accepts only what encodeCursor writes; anything else is a 400, never a database error. */
export function decodeCursor(cursor: string): Position {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && ISO_MS.test(at) && Number.isInteger(id) && (id as number) > 0 && (id as number) <= MAX_ID) {
      const assignedAt = new Date(at);
      if (!Number.isNaN(assignedAt.getTime()) && assignedAt.toISOString() === at) return { assignedAt, id: id as number };
    }
  } catch {
    // Falls through to the 400 below.
  }
  throw problems.invalidCursor();
}
