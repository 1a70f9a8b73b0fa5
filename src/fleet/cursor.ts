import { problems } from '../platform/problems.ts';

/** A position in the newest-first order of assignments: (assignedAt, id) of the last row shown. */
export interface Position {
  assignedAt: Date;
  id: number;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.assignedAt.toISOString(), position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const assignedAt = new Date(String(at));
    if (typeof at === 'string' && !Number.isNaN(assignedAt.getTime()) && Number.isInteger(id) && (id as number) > 0) {
      return { assignedAt, id: id as number };
    }
  } catch {
    // Falls through to the 400 below.
  }
  throw problems.invalidCursor();
}
