// Who is signed in. The token lives in sessionStorage: it survives a reload of the tab but not the
// tab itself, and no other site or tab reads it. It is sent as a bearer header, never as a cookie,
// so no request of another site can carry it.

export interface Session {
  token: string;
  expiresAt: string;
  email: string;
}

const KEY = 'allot.session';
const RETURN_KEY = 'allot.returnTo';
const listeners = new Set<() => void>();
let notice: string | null = null;
let expiryTimer: number | undefined;

function read(): Session | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
  } catch {
    return null;
  }
}

let current = read();
if (current && Date.parse(current.expiresAt) <= Date.now()) {
  // The tab was reloaded after its token ended: say so, and come back here after signing in.
  current = null;
  sessionStorage.removeItem(KEY);
  sessionStorage.setItem(RETURN_KEY, location.hash);
  notice = 'Your session has ended. Sign in again to go on where you were.';
} else if (!current && location.hash.startsWith('#/')) {
  // A bookmark or a shared address opened before signing in: it is where signing in leads.
  sessionStorage.setItem(RETURN_KEY, location.hash);
}

function changed(): void {
  window.clearTimeout(expiryTimer);
  if (current) {
    // A tab left open past the token's end goes back to sign-in by itself, not at the next click.
    const left = Date.parse(current.expiresAt) - Date.now();
    expiryTimer = window.setTimeout(() => expire(), Math.min(Math.max(left, 0), 2 ** 31 - 1));
  }
  for (const listener of listeners) listener();
}

export function currentSession(): Session | null {
  return current;
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function signIn(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  current = session;
  notice = null;
  changed();
}

/** Signing out forgets the token and where the user was. */
export function signOut(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(RETURN_KEY);
  current = null;
  notice = 'You have signed out.';
  changed();
}

/**
 * The server no longer accepts the token (expired, or the user was changed): back to sign-in with a
 * message, remembering the page to return to after signing in again.
 */
export function expire(): void {
  if (!current) return;
  sessionStorage.removeItem(KEY);
  sessionStorage.setItem(RETURN_KEY, location.hash);
  current = null;
  notice = 'Your session has ended. Sign in again to go on where you were.';
  changed();
}

/** The page to open after signing in: where an ended session left off, else the fleet board. */
export function takeReturnPage(): string {
  const page = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  return page && page.startsWith('#/') ? page : '#/fleet';
}

/** The message for the sign-in page (why the user is there), shown once. */
export function sessionNotice(): string | null {
  return notice;
}

changed();
