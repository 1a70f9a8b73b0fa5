// The audit log: every change, newest first, filtered by entity, actor and action; each entry's
// before and after side by side, the fields that changed marked.
import { useCallback, useState } from 'preact/hooks';
import { api, ok } from '../client.ts';
import type { AuditEntry } from '../client.ts';
import { Actor, knownUsers, useKnownUsers } from '../actors.tsx';
import { href, navigate, withQuery } from '../router.ts';
import { Empty, Instant, onSubmitted, ProblemMessage, Show, useAction, useLoad, Option } from '../ui.tsx';

type EntityType = AuditEntry['entityType'];
type Action = AuditEntry['action'];
// Every value the API has, for the filters: the Record type makes a value the API adds or drops a
// compile error here.
const ENTITY_TYPES = Object.keys({
  vehicle: 1,
  technician: 1,
  assignment: 1,
  reservation: 1,
  user: 1,
  project: 1,
  project_assignment: 1,
} satisfies Record<EntityType, 1>) as EntityType[];
const ACTIONS = Object.keys({
  create: 1,
  update: 1,
  delete: 1,
  retire: 1,
  assign: 1,
  return: 1,
  transfer: 1,
  cancel: 1,
  start: 1,
  bulk_create: 1,
  login: 1,
  login_failed: 1,
} satisfies Record<Action, 1>) as Action[];
const PAGE = 50;

type Filters = Partial<Record<'entityType' | 'entityId' | 'actor' | 'action', string>>;

function filtersOf(query: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of ['entityType', 'entityId', 'actor', 'action'] as const) {
    const value = query.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

function page(filters: Filters, cursor?: string) {
  const query = {
    limit: PAGE,
    ...(filters.entityType && { entityType: filters.entityType as EntityType }),
    ...(filters.entityId && { entityId: filters.entityId }),
    ...(filters.actor && { actor: filters.actor }),
    ...(filters.action && { action: filters.action as Action }),
    ...(cursor !== undefined && { cursor }),
  };
  return ok(api.GET('/api/admin/audit-log', { params: { query } }));
}

/**
 * The actor as the log records it, for what the filter was given: a user's email stands for their
 * id (the sub of their sign-in tokens), except when looking for failed sign-ins, which record the
 * email tried. Anything else (an id, a script's sub) is taken as it is.
 */
async function recordedActor(given: string | undefined, action: string | undefined): Promise<string | undefined> {
  if (!given?.includes('@') || action === 'login_failed') return given;
  const wanted = given.toLowerCase();
  const user = [...(await knownUsers()).values()].find((candidate) => candidate.email.toLowerCase() === wanted);
  return user?.user_id ?? given;
}

export function AuditPage({ query }: { query: URLSearchParams }) {
  const filters = filtersOf(query);
  const key = JSON.stringify(filters);
  const [shown, setShown] = useState<{ entries: AuditEntry[]; nextCursor: string | null } | null>(null);
  const load = useCallback(async () => setShown(await page(filters)), [key]);
  const { state, reload } = useLoad(load, [load]);
  const more = useAction();
  const users = useKnownUsers();
  const next = (cursor: string) =>
    more.run(async () => {
      const following = await page(filters, cursor);
      setShown((before) => ({ entries: [...(before?.entries ?? []), ...following.entries], nextCursor: following.nextCursor }));
    });

  return (
    <>
      <h1>Audit log</h1>
      <form
        key={key}
        class="filters"
        aria-label="Filter the audit log"
        onSubmit={onSubmitted(
          async (values) => {
            const action = values.text('action');
            navigate(
              withQuery(href('audit'), {
                entityType: values.text('entityType'),
                entityId: values.text('entityId'),
                actor: await recordedActor(values.text('actor'), action),
                action,
              }),
            );
            return true;
          },
          { reset: false },
        )}
      >
        <label>
          Entity
          <select name="entityType">
            <option value="">Any</option>
            {ENTITY_TYPES.map((type) => (
              <Option key={type} value={type} chosen={type === filters.entityType}>
                {type.replace('_', ' ')}
              </Option>
            ))}
          </select>
        </label>
        <label>
          Entity id
          <input name="entityId" defaultValue={filters.entityId ?? ''} />
        </label>
        <label>
          Actor (email or id)
          <input name="actor" defaultValue={(filters.actor && users.get(filters.actor)?.email) ?? filters.actor ?? ''} />
        </label>
        <label>
          Action
          <select name="action">
            <option value="">Any</option>
            {ACTIONS.map((action) => (
              <Option key={action} value={action} chosen={action === filters.action}>
                {action.replace('_', ' ')}
              </Option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        <a href={href('audit')}>Clear</a>
      </form>
      <Show state={state} what="the audit log" retry={reload}>
        {() =>
          !shown || shown.entries.length === 0 ? (
            <Empty>No entry matches.</Empty>
          ) : (
            <>
              <ol class="entries">
                {shown.entries.map((entry) => (
                  <Entry key={entry.id} entry={entry} />
                ))}
              </ol>
              <ProblemMessage error={more.error} />
              {shown.nextCursor && (
                <button type="button" disabled={more.busy} onClick={() => void next(shown.nextCursor!)}>
                  Show older entries
                </button>
              )}
            </>
          )
        }
      </Show>
    </>
  );
}

function Entry({ entry }: { entry: AuditEntry }) {
  const [open, setOpen] = useState(false);
  const title = `${entry.action.replace('_', ' ')} ${entry.entityType.replace('_', ' ')}${entry.entityId ? ` ${entry.entityId}` : ''}`;
  return (
    <li class="entry">
      <div class="entry-head">
        <Instant value={entry.at} />
        <strong>{title}</strong>
        <span class="muted">
          by <Actor sub={entry.actor} />
        </span>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide' : 'Show'} changes<span class="visually-hidden"> of entry {entry.id}</span>
        </button>
      </div>
      {open && <Changes entry={entry} />}
    </li>
  );
}

function fieldsOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function Changes({ entry }: { entry: AuditEntry }) {
  const before = fieldsOf(entry.before);
  const after = fieldsOf(entry.after);
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  if (names.length === 0) return <Empty>Nothing recorded before or after.</Empty>;
  return (
    <div class="table-box" role="region" aria-label={`Changes of entry ${entry.id}`} tabIndex={0}>
      <table class="changes">
        <caption class="muted small">Request {entry.requestId}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {names.map((name) => {
            const was = JSON.stringify(before[name] ?? null, null, 1);
            const is = JSON.stringify(after[name] ?? null, null, 1);
            const changed = entry.before !== null && entry.after !== null && was !== is;
            return (
              <tr key={name} class={changed ? 'changed' : undefined}>
                <th scope="row">
                  {name}
                  {changed && <span class="visually-hidden"> (changed)</span>}
                </th>
                <td>{entry.before === null ? <span class="muted">—</span> : <pre>{was}</pre>}</td>
                <td>{entry.after === null ? <span class="muted">—</span> : <pre>{is}</pre>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
