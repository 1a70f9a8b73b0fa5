// Users of the Project API: their roles, status and organization (their email's domain); adding,
// editing and deleting them; putting a Dev on several projects of their organization at once.
import { useCallback, useState } from 'preact/hooks';
import { api, EVERYONE, ok, ProblemError } from '../client.ts';
import type { User } from '../client.ts';
import { href, withQuery } from '../router.ts';
import {
  AddCard,
  Badge,
  Empty,
  onSubmitted,
  Option,
  ProblemMessage,
  RowPanel,
  Show,
  Submit,
  TableBox,
  useAction,
  useLoad,
} from '../ui.tsx';
import type { FormValues } from '../ui.tsx';

const ROLES = ['Admin', 'Employee', 'Dev'] as const;
type Role = (typeof ROLES)[number];

export const organizationOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();
export const fullName = (user: User) => `${user.first_name} ${user.last_name}`;

function roles(values: FormValues): Role[] {
  return values.all('role').filter((role): role is Role => (ROLES as readonly string[]).includes(role));
}

function UserFields({ user }: { user?: User }) {
  return (
    <>
      <label>
        First name
        <input name="first_name" required defaultValue={user?.first_name} />
      </label>
      <label>
        Last name
        <input name="last_name" required defaultValue={user?.last_name} />
      </label>
      <label>
        Email
        <input name="email" type="email" required defaultValue={user?.email} />
      </label>
      <fieldset>
        <legend>Roles</legend>
        {ROLES.map((role) => (
          <label key={role} class="choice">
            <input type="checkbox" name="role" value={role} defaultChecked={user?.role.includes(role) ?? role === 'Employee'} />
            {role}
          </label>
        ))}
      </fieldset>
      <label>
        Status
        <select name="status">
          <option value="active">active</option>
          <Option value="inactive" chosen={user?.status === 'inactive'}>
            inactive
          </Option>
        </select>
      </label>
      <label>
        {user ? 'New password (optional)' : 'Password (optional; needed to sign in here as an Admin)'}
        <input name="password" type="password" autoComplete="new-password" />
      </label>
    </>
  );
}

function userFields(values: FormValues) {
  const password = values.text('password');
  const role = roles(values);
  if (role.length === 0) {
    throw new ProblemError({
      type: 'about:blank',
      title: 'No role chosen',
      status: 400,
      detail: 'Choose at least one role: Admin, Employee or Dev.',
    });
  }
  return {
    email: values.text('email') ?? '',
    first_name: values.text('first_name') ?? '',
    last_name: values.text('last_name') ?? '',
    role,
    status: values.text('status') === 'inactive' ? ('inactive' as const) : ('active' as const),
    ...(password !== undefined && { password }),
  };
}

export function UsersPage() {
  const { state, reload } = useLoad(() => ok(api.GET('/api/v1/users', { params: { query: EVERYONE } })), []);
  const { busy, error, run } = useAction();
  const create = onSubmitted((values) =>
    run(async () => {
      await ok(api.POST('/api/v1/users', { body: userFields(values) }));
      await reload();
    }),
  );
  return (
    <>
      <h1>Users</h1>
      <div class="columns">
        <AddCard title="Add a user" submit="Add user" busy={busy} error={error} onSubmit={create}>
          <UserFields />
        </AddCard>
        <section class="card wide" aria-labelledby="all-users">
          <h2 id="all-users">All users</h2>
          <Show state={state} what="users" retry={reload}>
            {(users) => <UserTable users={users} reload={reload} />}
          </Show>
        </section>
      </div>
    </>
  );
}

function UserTable({ users, reload }: { users: User[]; reload: () => Promise<void> }) {
  const [open, setOpen] = useState<{ id: string; action: 'edit' | 'projects' } | null>(null);
  const removal = useAction(reload);
  if (users.length === 0) return <Empty>No users yet. Add the first with the form.</Empty>;
  const isOpen = (id: string, action: 'edit' | 'projects') => open?.id === id && open.action === action;
  const toggle = (id: string, action: 'edit' | 'projects') => setOpen(isOpen(id, action) ? null : { id, action });
  const done = async () => {
    setOpen(null);
    await reload();
  };
  const remove = (user: User) => {
    if (!window.confirm(`Delete ${fullName(user)}?`)) return;
    void removal.run(async () => {
      await ok(api.DELETE('/api/v1/users/{user_id}', { params: { path: { user_id: user.user_id } } }));
      await reload();
    });
  };
  const opened = open && users.find((user) => user.user_id === open.id);
  return (
    <>
      <ProblemMessage error={removal.error} />
      <TableBox label="All users">
        <table>
          <thead>
            <tr>
              <th scope="col">Name and email</th>
              <th scope="col">Organization</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.user_id}>
                <td>
                  <a href={withQuery(href('audit'), { entityType: 'user', entityId: user.user_id })} title="Audit log of this user">
                    {fullName(user)}
                  </a>
                  <div class="small">{user.email}</div>
                </td>
                <td>{organizationOf(user.email)}</td>
                <td>{user.role.join(', ') || '—'}</td>
                <td>{user.status === 'active' ? <Badge tone="ok">active</Badge> : <Badge tone="warn">inactive</Badge>}</td>
                <td class="actions">
                  <button type="button" aria-expanded={isOpen(user.user_id, 'edit')} onClick={() => toggle(user.user_id, 'edit')}>
                    Edit<span class="visually-hidden"> {fullName(user)}</span>
                  </button>
                  {user.role.includes('Dev') && (
                    <button type="button" aria-expanded={isOpen(user.user_id, 'projects')} onClick={() => toggle(user.user_id, 'projects')}>
                      Put on projects<span class="visually-hidden"> {fullName(user)}</span>
                    </button>
                  )}
                  <button type="button" class="danger" disabled={removal.busy} onClick={() => remove(user)}>
                    Delete<span class="visually-hidden"> {fullName(user)}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      {open && opened && (
        <RowPanel key={`${open.action}-${open.id}`}>
          {open.action === 'edit' ? <EditUser user={opened} done={done} /> : <BulkAssign user={opened} done={reload} />}
        </RowPanel>
      )}
    </>
  );
}

function EditUser({ user, done }: { user: User; done: () => Promise<void> }) {
  const { busy, error, run } = useAction();
  const submit = onSubmitted(
    (values) =>
      run(async () => {
        await ok(api.PATCH('/api/v1/users/{user_id}', { params: { path: { user_id: user.user_id } }, body: userFields(values) }));
        await done();
      }),
    { reset: false },
  );
  return (
    <form class="inline" onSubmit={submit} aria-label={`Edit ${fullName(user)}`}>
      <UserFields user={user} />
      <Submit busy={busy}>Save {fullName(user)}</Submit>
      <ProblemMessage error={error} />
    </form>
  );
}

/**
 * A Dev on several projects at once: only the projects of their organization (owned by someone of
 * the same email domain) that they are not on yet are offered. A project whose Dev place another
 * Dev took meanwhile is skipped by the server, and the result says how many were made.
 */
function BulkAssign({ user, done }: { user: User; done: () => Promise<void> }) {
  const load = useCallback(async () => {
    const [projects, current] = await Promise.all([
      ok(
        api.GET('/api/v1/assignments/projects-by-org-email/{org_email}', { params: { path: { org_email: user.email }, query: EVERYONE } }),
      ),
      ok(api.GET('/api/v1/assignments/user/{user_id}', { params: { path: { user_id: user.user_id } } })),
    ]);
    const on = new Set(current.map((assignment) => assignment.project_id));
    return projects.filter((project) => !on.has(project.project_id));
  }, [user]);
  const { state, reload } = useLoad(load, [load]);
  const { busy, error, run } = useAction(reload);
  const [made, setMade] = useState<number | null>(null);
  const submit = onSubmitted((values) =>
    run(async () => {
      const chosen = values.all('project');
      const created = await ok(api.POST('/api/v1/assignments/bulk', { params: { query: { user_id: user.user_id } }, body: chosen }));
      setMade(created.length);
      await reload();
      await done();
    }),
  );
  return (
    <div class="inline">
      <Show state={state} what="projects of their organization" retry={reload}>
        {(projects) =>
          projects.length === 0 ? (
            <Empty>No project of {organizationOf(user.email)} is left to put them on.</Empty>
          ) : (
            <form onSubmit={submit} aria-label={`Put ${fullName(user)} on projects`}>
              <fieldset>
                <legend>Projects of {organizationOf(user.email)}</legend>
                {projects.map((project) => (
                  <label key={project.project_id} class="choice">
                    <input type="checkbox" name="project" value={project.project_id} />
                    {project.project_name}
                  </label>
                ))}
              </fieldset>
              <Submit busy={busy}>Put {fullName(user)} on the chosen projects</Submit>
            </form>
          )
        }
      </Show>
      <ProblemMessage error={error} />
      {made !== null && (
        <p role="status" class="done">
          {made === 0 ? 'No new place: those projects already have a Dev.' : `Put on ${made} project${made === 1 ? '' : 's'}.`}
        </p>
      )}
    </div>
  );
}
