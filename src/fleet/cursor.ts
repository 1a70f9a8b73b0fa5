import type { Cursors } from '../platform/cursors.ts';
import { problems } from '../platform/problems.ts';
import type { Position } from './assignments/assignments.store.ts';

/**
 * The list's two orders: by assignedAt, newest first, and (the overdue list) by due date. A
 * cursor says which one it belongs to, so that one is never read as a position in the other.
 */
export type ListOrder = 'assigned' | 'due';

export function encodeCursor(cursors: Cursors, position: Position, order: ListOrder): string {
  const sealed = [position.at.toISOString(), position.id];
  return cursors.seal(order === 'due' ? [...sealed, 'due'] : sealed);
}

// Exactly what toISOString() writes for the years PostgreSQL and JavaScript both handle.
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_ID = 2_147_483_647;

/** Accepts only a cursor this server signed for this order, holding what encodeCursor writes; anything else is 400. */
export function decodeCursor(cursors: Cursors, cursor: string, order: ListOrder): Position {
  const [at, id, tag, ...rest] = cursors.open(cursor);
  const tagFits = order === 'due' ? tag === 'due' : tag === undefined;
  if (
    tagFits &&
    rest.length === 0 &&
    typeof at === 'string' &&
    ISO_MS.test(at) &&
    Number.isInteger(id) &&
    (id as number) > 0 &&
    (id as number) <= MAX_ID
  ) {
    return { at: new Date(at), id: id as number };
  }
  throw problems.invalidCursor();
}
