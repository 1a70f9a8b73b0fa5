// Assignments past and present, the overdue list, and the history as a CSV download.
import { useCallback, useState } from 'preact/hooks';
import { api, ok } from '../client.ts';
import type { Assignment } from '../client.ts';
import { Actor } from '../actors.tsx';
import { href, navigate, withQuery } from '../router.ts';
import { Badge, Empty, Instant, onSubmitted, ProblemMessage, Show, TableBox, useAction, useLoad } from '../ui.tsx';

const VIEWS = {
  active: { label: 'Out now', query: { status: 'active' } },
  overdue: { label: 'Overdue', query: { overdue: true } },
  returned: { label: 'Returned', query: { status: 'returned' } },
  all: { label: 'All', query: {} },
} as const;
type View = keyof typeof VIEWS;

const PAGE = 50;

/** The list's filters as the query of both the list and the export. */
function filtersOf(query: URLSearchParams) {
  const asked = query.get('view') ?? '';
  const view: View = Object.hasOwn(VIEWS, asked) ? (asked as View) : 'all';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  return {
    view,
    from,
    to,
    api: {
      ...VIEWS[view].query,
      ...(from && { assignedFrom: new Date(from).toISOString() }),
      ...(to && { assignedTo: new Date(to).toISOString() }),
    },
  };
}

export function AssignmentsPage({ query }: { query: URLSearchParams }) {
  const filters = filtersOf(query);
  const key = JSON.stringify(filters.api);
  const [more, setMore] = useState<{ key: string; assignments: Assignment[]; nextCursor: string | null } | null>(null);
  const load = useCallback(() => ok(api.GET('/api/admin/assignments', { params: { query: { ...filters.api, limit: PAGE } } })), [key]);
  const { state, reload } = useLoad(load, [load]);
  const loadMore = useAction();

  const go = (change: Record<string, string | undefined>) =>
    navigate(withQuery(href('assignments'), { view: filters.view, from: filters.from, to: filters.to, ...change }));

  return (
    <>
      <h1>Assignments</h1>
      <nav aria-label="Which assignments" class="tabs">
        {(Object.keys(VIEWS) as View[]).map((view) => (
          <a
            key={view}
            href={withQuery(href('assignments'), { view, from: filters.from, to: filters.to })}
            aria-current={view === filters.view ? 'page' : undefined}
          >
            {VIEWS[view].label}
          </a>
        ))}
      </nav>
      <form
        class="filters"
        aria-label="Filter by hand-out time"
        onSubmit={onSubmitted(async (values) => (go({ from: values.text('from'), to: values.text('to') }), true), { reset: false })}
      >
        <label>
          Handed out from
          <input name="from" type="datetime-local" defaultValue={filters.from} />
        </label>
        <label>
          until
          <input name="to" type="datetime-local" defaultValue={filters.to} />
        </label>
        <button type="submit">Filter</button>
        <ExportButton query={filters.api} />
      </form>
      <Show state={state} what="assignments" retry={reload}>
        {(page) => {
          const extra = more?.key === key ? more : null;
          const assignments = [...page.assignments, ...(extra?.assignments ?? [])];
          const nextCursor = extra ? extra.nextCursor : page.nextCursor;
          return (
            <>
              <AssignmentTable assignments={assignments} label="Assignments" />
              <ProblemMessage error={loadMore.error} />
              {nextCursor && (
                <button
                  type="button"
                  disabled={loadMore.busy}
                  onClick={() =>
                    void loadMore.run(async () => {
                      const next = await ok(
                        api.GET('/api/admin/assignments', { params: { query: { ...filters.api, limit: PAGE, cursor: nextCursor } } }),
                      );
                      setMore({ key, assignments: [...(extra?.assignments ?? []), ...next.assignments], nextCursor: next.nextCursor });
                    })
                  }
                >
                  Show more
                </button>
              )}
            </>
          );
        }}
      </Show>
    </>
  );
}

/**
 * The CSV export as a file download. The export needs the bearer token, which a plain link cannot
 * send, so the file is fetched and handed to the browser as a blob.
 */
function ExportButton({ query }: { query: Record<string, unknown> }) {
  const { busy, error, run } = useAction();
  const download = () =>
    run(async () => {
      const blob = await ok(api.GET('/api/admin/assignments/export.csv', { params: { query }, parseAs: 'blob' }));
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `assignments-${new Date().toISOString().slice(0, 10)}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    });
  return (
    <>
      <button type="button" disabled={busy} onClick={() => void download()}>
        {busy ? 'Preparing…' : 'Download CSV'}
      </button>
      <ProblemMessage error={error} />
    </>
  );
}

export function AssignmentTable({ assignments, label }: { assignments: Assignment[]; label: string }) {
  if (assignments.length === 0) return <Empty>No assignments here.</Empty>;
  return (
    <TableBox label={label}>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Vehicle</th>
            <th scope="col">Technician</th>
            <th scope="col">Handed out</th>
            <th scope="col">Returned</th>
            <th scope="col">Due back</th>
            <th scope="col">Distance</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {assignments.map((assignment) => (
            <tr key={assignment.id}>
              <td class="number">{assignment.id}</td>
              <td>
                <a href={href('vehicles', assignment.vehicleId)}>{assignment.vehicle.plateNumber}</a>
              </td>
              <td>
                <a href={href('technicians', assignment.technicianId)}>{assignment.technician.name}</a>
              </td>
              <td>
                <Instant value={assignment.assignedAt} />
                <div class="muted small">
                  by <Actor sub={assignment.assignedBy} />
                </div>
              </td>
              <td>
                {assignment.status === 'active' ? <Badge tone="info">Out</Badge> : <Instant value={assignment.returnedAt} />}
                {assignment.returnedBy && (
                  <div class="muted small">
                    by <Actor sub={assignment.returnedBy} />
                  </div>
                )}
              </td>
              <td>
                <Instant value={assignment.expectedReturnAt} /> {assignment.overdue && <Badge tone="bad">Overdue</Badge>}
              </td>
              <td class="number">{assignment.distance ?? '—'}</td>
              <td>{assignment.notes ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableBox>
  );
}

function historyPage(of: 'vehicles' | 'technicians', id: number, cursor?: string) {
  const params = { path: { id }, query: { limit: PAGE, ...(cursor !== undefined && { cursor }) } };
  return of === 'vehicles'
    ? ok(api.GET('/api/admin/vehicles/{id}/assignments', { params }))
    : ok(api.GET('/api/admin/technicians/{id}/assignments', { params }));
}

/** A vehicle's or technician's assignments, newest first, a page at a time. */
export function History({ of, id }: { of: 'vehicles' | 'technicians'; id: number }) {
  const [pages, setPages] = useState<{ assignments: Assignment[]; nextCursor: string | null } | null>(null);
  const load = useCallback(async () => setPages(await historyPage(of, id)), [of, id]);
  const { state, reload } = useLoad(load, [load]);
  const more = useAction();
  const next = (cursor: string) =>
    more.run(async () => {
      const page = await historyPage(of, id, cursor);
      setPages((shown) => ({ assignments: [...(shown?.assignments ?? []), ...page.assignments], nextCursor: page.nextCursor }));
    });
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <Show state={state} what="the history" retry={reload}>
        {() => (
          <>
            <AssignmentTable assignments={pages?.assignments ?? []} label="History" />
            <ProblemMessage error={more.error} />
            {pages?.nextCursor && (
              <button type="button" disabled={more.busy} onClick={() => void next(pages.nextCursor!)}>
                Show more
              </button>
            )}
          </>
        )}
      </Show>
    </section>
  );
}
