// Who made a change. The API records a change's actor as the `sub` of its token: for a token of
// POST /api/auth/login that is the user's id, a UUID nobody reads. The console shows such an actor
// by the user's name and email (the id stays in the tooltip); any other actor (a script's token,
// the email tried by a failed sign-in) as it is.
import { useEffect, useState } from 'preact/hooks';
import { api, EVERYONE, ok } from './client.ts';
import type { User } from './client.ts';
import { onSessionChange } from './session.ts';

const FRESH_FOR_MS = 60_000;
let known: { users: Promise<Map<string, User>>; at: number } | null = null;
onSessionChange(() => (known = null));

/** The users by id, loaded once a minute at most for every actor on the page. */
export function knownUsers(): Promise<Map<string, User>> {
  if (!known || Date.now() - known.at > FRESH_FOR_MS) {
    const users = ok(api.GET('/api/v1/users', { params: { query: EVERYONE } })).then(
      (list) => new Map(list.map((user) => [user.user_id, user])),
      // Without the names, actors show as their ids: nothing else depends on them.
      () => new Map<string, User>(),
    );
    known = { users, at: Date.now() };
  }
  return known.users;
}

export function useKnownUsers(): Map<string, User> {
  const [users, setUsers] = useState(new Map<string, User>());
  useEffect(() => {
    let shown = true;
    void knownUsers().then((loaded) => shown && setUsers(loaded));
    return () => {
      shown = false;
    };
  }, []);
  return users;
}

export function Actor({ sub }: { sub: string }) {
  const user = useKnownUsers().get(sub);
  if (!user) return <>{sub}</>;
  return (
    <span title={sub}>
      {user.first_name} {user.last_name} ({user.email})
    </span>
  );
}
