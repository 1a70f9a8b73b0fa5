import type { TokenHolderCheck } from '../../platform/auth.ts';
import type { Database } from '../../platform/db.ts';
import { findTokenHolder } from './login.store.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How long a user's state, as a token check read it, is trusted before it is read again. */
export const TOKEN_HOLDER_CACHE_MS = 1000;
const MAX_CACHED = 10_000;

export interface TokenHolders {
  check: TokenHolderCheck;
  /** Called by this replica's own changes to a user: its next request reads the user again. */
  forget(userId: string): void;
}

interface Holder {
  roles: string[];
  active: boolean;
  tokenVersion: number;
}

/**
 * A token issued at sign-in holds while its user exists, is active, and has the password it was
 * issued under; it carries their roles as they are now. The user is read by primary key and kept
 * for a second, so that a client's burst of requests costs one read, not one each: a change made
 * through this replica takes effect at its next request, one made through another replica within
 * a second.
 */
export function tokenHolders(db: Database, cacheMs = TOKEN_HOLDER_CACHE_MS): TokenHolders {
  const cache = new Map<string, { readAt: number; holder: Holder | null }>();
  // Raised by every forget(): a read that began before one may have seen the user as they were.
  let generation = 0;

  async function current(userId: string): Promise<Holder | null> {
    const cached = cache.get(userId);
    if (cached && performance.now() - cached.readAt < cacheMs) return cached.holder;
    const [readAt, readGeneration] = [performance.now(), generation];
    const row = await findTokenHolder(db, userId);
    const holder = row ? { roles: row.role, active: row.status === 'active', tokenVersion: row.tokenVersion } : null;
    if (generation === readGeneration) {
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(userId, { readAt, holder });
    }
    return holder;
  }

  return {
    async check(userId, tokenVersion) {
      if (!UUID.test(userId)) return null;
      const holder = await current(userId.toLowerCase());
      if (!holder?.active || holder.tokenVersion !== tokenVersion) return null;
      return { roles: holder.roles };
    },
    forget(userId) {
      generation++;
      cache.delete(userId.toLowerCase());
    },
  };
}
