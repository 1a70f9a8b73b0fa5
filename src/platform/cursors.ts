import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { serverKeys } from '../db/schema.ts';
import type { Executor } from './db.ts';
import { problems } from './problems.ts';

const MAC_BYTES = 16;

/**
 * Pagination cursors: a position in a list, signed with a key of this server, so that a client
 * can hand back only a cursor the server made. The position itself is no secret; the signature
 * keeps a forged or edited cursor from reaching a query.
 */
export class Cursors {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  seal(position: unknown[]): string {
    const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
    return `${payload}.${this.#mac(payload).toString('base64url')}`;
  }

  /** The position a cursor of seal() holds; anything else is a 400. */
  open(cursor: string): unknown[] {
    const [payload, mac, ...rest] = cursor.split('.');
    if (payload && mac && rest.length === 0) {
      const given = Buffer.from(mac, 'base64url');
      // Decoding base64 skips stray characters and spare bits: only the exact text seal() wrote passes.
      if (given.length === MAC_BYTES && given.toString('base64url') === mac && timingSafeEqual(given, this.#mac(payload))) {
        const position: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        if (Array.isArray(position)) return position;
      }
    }
    throw problems.invalidCursor();
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload).digest().subarray(0, MAC_BYTES);
  }
}

/** The cursor key: made by the first server that needs it, read by every other one. */
export async function loadCursors(db: Executor): Promise<Cursors> {
  const proposed = randomBytes(32).toString('base64url');
  await db.insert(serverKeys).values({ name: 'cursor', key: proposed }).onConflictDoNothing();
  const [row] = await db.select({ key: serverKeys.key }).from(serverKeys).where(eq(serverKeys.name, 'cursor'));
  return new Cursors(Buffer.from(row!.key, 'base64url'));
}
