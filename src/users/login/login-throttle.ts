import { isIPv4, isIPv6 } from 'node:net';
import { sql } from 'drizzle-orm';
import type { Database } from '../../platform/db.ts';
import { queryRows } from '../../platform/db.ts';

/**
 * Failed sign-ins are counted in PostgreSQL, so every replica sees every failure, under two keys:
 *
 * - the client address: at most 10 failures per 15 minutes, whatever the emails tried (guessing
 *   one password against many accounts);
 * - the account, by the email tried, lower-cased, whether or not such a user exists (so that
 *   the answer tells nothing): at most 5 failures per 15 minutes, from all addresses together
 *   (guessing one account's password from many addresses).
 *
 * An attempt is counted before its password is checked, in one statement for both keys, so that
 * concurrent guesses cannot all pass the check; an attempt that turns out right, or that is not
 * checked at all (refused with 429 or 503), is taken back under both keys. Windows are fixed: a key's count starts again 15 minutes after its
 * first failure, and Retry-After says when.
 *
 * Others' failures must not lock an owner out for good: once an account is past its limit,
 * addresses its user signed in from in the last 90 days are still let through to the password
 * check, held back only by their own address count. Someone who keeps failing against an account
 * stops strangers, not its owner at their usual address.
 */
export const ADDRESS_FAILURE_LIMIT = 10;
export const ACCOUNT_FAILURE_LIMIT = 5;
const WINDOW_MINUTES = 15;
const KNOWN_ADDRESS_DAYS = 90;

export interface SignInAttempt {
  /** The email as typed. */
  email: string;
  /** The client address as Fastify resolved it (TRUST_PROXY). */
  address: string;
}

const addressKey = (attempt: SignInAttempt) => `address:${clientNetwork(attempt.address)}`;
const accountKey = (attempt: SignInAttempt) => `account:${attempt.email.toLowerCase()}`;

/**
 * The address a client is counted by: an IPv4 address as it is (also when written IPv4-mapped,
 * ::ffff:192.0.2.1), an IPv6 address by its /64, which one subscriber usually holds whole.
 */
export function clientNetwork(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const groups = expandIPv6(address);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros, lower-case. */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase().split('%', 1)[0]!;
  // An IPv4 tail (::1.2.3.4) is two groups.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; reason: 'address' | 'account' };

interface CountRow {
  key: string;
  failures: number;
  retry_after: number;
  known: boolean;
}

/** Counts the attempt as a failure under both keys, and says whether it may go on to the password check. */
export async function countAttempt(db: Database, attempt: SignInAttempt): Promise<ThrottleDecision> {
  const window = sql`make_interval(mins => ${WINDOW_MINUTES})`;
  const rows = await queryRows<CountRow>(
    db,
    sql`with counted as (
          insert into login_failures as f (key, failures, window_started_at)
          values (${accountKey(attempt)}, 1, now()), (${addressKey(attempt)}, 1, now())
          on conflict (key) do update set
            failures = case when f.window_started_at <= now() - ${window} then 1 else f.failures + 1 end,
            window_started_at = case when f.window_started_at <= now() - ${window} then now() else f.window_started_at end
          returning key, failures, window_started_at
        )
        select key, failures,
          greatest(1, ceil(extract(epoch from window_started_at + ${window} - now())))::int as retry_after,
          exists (
            select 1 from login_known_addresses k join users u on u.user_id = k.user_id
            where lower(u.email) = ${attempt.email.toLowerCase()} and k.address = ${clientNetwork(attempt.address)}
              and k.last_signed_in_at > now() - make_interval(days => ${KNOWN_ADDRESS_DAYS})
          ) as known
        from counted`,
  );
  const address = rows.find((row) => row.key.startsWith('address:'))!;
  const account = rows.find((row) => row.key.startsWith('account:'))!;
  if (address.failures > ADDRESS_FAILURE_LIMIT) return { allowed: false, retryAfterSeconds: address.retry_after, reason: 'address' };
  if (account.failures > ACCOUNT_FAILURE_LIMIT && !account.known) {
    return { allowed: false, retryAfterSeconds: account.retry_after, reason: 'account' };
  }
  return { allowed: true };
}

/** Takes back what countAttempt counted: the attempt was right, or was never checked. */
export async function forgiveAttempt(db: Database, attempt: SignInAttempt): Promise<void> {
  // Rows are locked in key order (account: before address:), as countAttempt inserts them: two
  // attempts of one client for one account, one counted and one forgiven, cannot deadlock.
  await db.execute(
    sql`with locked as (
          select key from login_failures where key in (${accountKey(attempt)}, ${addressKey(attempt)}) and failures > 0
          order by key for update)
        update login_failures f set failures = f.failures - 1 from locked where f.key = locked.key`,
  );
}

/** Remembers that this user signed in from this address, which lets them past their account's limit. */
export async function rememberAddress(db: Database, userId: string, attempt: SignInAttempt): Promise<void> {
  await db.execute(
    sql`insert into login_known_addresses (user_id, address) values (${userId}, ${clientNetwork(attempt.address)})
        on conflict (user_id, address) do update set last_signed_in_at = now()`,
  );
}

/** Deletes counts whose window has passed and addresses not used for 90 days. */
export async function purgeLoginThrottle(db: Database): Promise<void> {
  await db.execute(sql`delete from login_failures where window_started_at <= now() - make_interval(mins => ${WINDOW_MINUTES})`);
  await db.execute(sql`delete from login_known_addresses where last_signed_in_at <= now() - make_interval(days => ${KNOWN_ADDRESS_DAYS})`);
}
