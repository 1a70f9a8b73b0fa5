import type { TokenHolderCheck } from '../../platform/auth.ts';
import type { Database } from '../../platform/db.ts';
import { findTokenHolder } from './login.store.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A token issued at sign-in holds while its user exists, is active, and has the password it was
 * issued under; it carries their roles as they are now. Read at every request, by primary key, so
 * that it stops at the next request on every replica, not after some cache has expired.
 */
export function tokenHolderCheck(db: Database): TokenHolderCheck {
  return async (userId, tokenVersion) => {
    if (!UUID.test(userId)) return null;
    const holder = await findTokenHolder(db, userId);
    if (!holder || holder.status !== 'active' || holder.tokenVersion !== tokenVersion) return null;
    return { roles: holder.role };
  };
}
