// Projects: the list, adding one, and each project's page with its two places, one for a Dev and
// one for an Employee.
import { useCallback } from 'preact/hooks';
import { api, EVERYONE, ok } from '../client.ts';
import type { Project, ProjectAssignment, User } from '../client.ts';
import { href, navigate, withQuery } from '../router.ts';
import {
  AddCard,
  Badge,
  Empty,
  Instant,
  onSubmitted,
  Option,
  ProblemMessage,
  RemoveSection,
  Show,
  Submit,
  TableBox,
  useAction,
  useLoad,
} from '../ui.tsx';
import type { FormValues } from '../ui.tsx';
import { fullName, organizationOf } from './users.tsx';

/** The project's optional text and date fields, in the order of the form; an empty one is null. */
const DETAILS = [
  ['project_start_date', 'Starts on', 'date'],
  ['project_end_date', 'Ends on', 'date'],
  ['country', 'Country', 'text'],
  ['project_type', 'Type', 'text'],
  ['project_developer', 'Developer', 'text'],
  ['registry', 'Registry', 'text'],
  ['crediting_period', 'Crediting period', 'text'],
  ['area_unit', 'Area unit', 'text'],
] as const satisfies readonly (readonly [keyof Project, string, 'date' | 'text'])[];
type Detail = (typeof DETAILS)[number][0];

const MODULES = [
  ['has_carbon_module', 'Carbon'],
  ['has_biodiversity_module', 'Biodiversity'],
  ['has_environmental_module', 'Environmental'],
] as const satisfies readonly (readonly [keyof Project, string])[];

function projectFields(values: FormValues) {
  const status = values.text('project_status');
  const area = values.text('total_area');
  const sites = values.integer('site_count');
  const details = Object.fromEntries(DETAILS.map(([name]) => [name, values.nullableText(name)])) as Record<Detail, string | null>;
  const modules = new Set(values.all('module'));
  return {
    project_name: values.text('project_name') ?? '',
    owner_user_id: values.nullableText('owner_user_id'),
    project_description: values.nullableText('project_description'),
    ...details,
    total_area: area === undefined ? null : Number(area),
    sdg: (values.text('sdg') ?? '')
      .split(',')
      .map((goal) => goal.trim())
      .filter(Boolean),
    ...Object.fromEntries(MODULES.map(([name]) => [name, modules.has(name)])),
    ...(status !== undefined && { project_status: status }),
    ...(sites !== undefined && { site_count: sites }),
  };
}

function ProjectFields({ project, users }: { project?: Project; users: User[] }) {
  return (
    <>
      <label>
        Name
        <input name="project_name" required defaultValue={project?.project_name} />
      </label>
      <label>
        Owner (their organization's Devs may work on it)
        <select name="owner_user_id">
          <option value="">No owner</option>
          {users.map((user) => (
            <Option key={user.user_id} value={user.user_id} chosen={user.user_id === project?.owner_user_id}>
              {fullName(user)} ({user.email})
            </Option>
          ))}
        </select>
      </label>
      <label>
        Status
        <input name="project_status" placeholder="active" defaultValue={project?.project_status ?? ''} />
      </label>
      <label>
        Description
        <textarea name="project_description" rows={3} defaultValue={project?.project_description ?? ''} />
      </label>
      <details open={project !== undefined}>
        <summary>More details</summary>
        {DETAILS.map(([name, label, type]) => (
          <label key={name}>
            {label}
            <input name={name} type={type} defaultValue={project?.[name] ?? ''} />
          </label>
        ))}
        <label>
          Total area
          <input name="total_area" type="number" min={0} step="any" defaultValue={project?.total_area ?? ''} />
        </label>
        <label>
          Sites
          <input name="site_count" type="number" min={0} step={1} defaultValue={project?.site_count ?? ''} />
        </label>
        <label>
          Sustainable development goals (comma-separated)
          <input name="sdg" defaultValue={project?.sdg.join(', ') ?? ''} />
        </label>
        <fieldset>
          <legend>Modules</legend>
          {MODULES.map(([name, label]) => (
            <label key={name} class="choice">
              <input type="checkbox" name="module" value={name} defaultChecked={project?.[name] ?? false} />
              {label}
            </label>
          ))}
        </fieldset>
      </details>
    </>
  );
}

export function ProjectsPage() {
  const load = useCallback(async () => {
    const [projects, users] = await Promise.all([
      ok(api.GET('/api/v1/projects', { params: { query: EVERYONE } })),
      ok(api.GET('/api/v1/users', { params: { query: EVERYONE } })),
    ]);
    return { projects, users };
  }, []);
  const { state, reload } = useLoad(load, [load]);
  const { busy, error, run } = useAction();
  const create = onSubmitted((values) =>
    run(async () => {
      const project = await ok(api.POST('/api/v1/projects', { body: projectFields(values) }));
      navigate(href('projects', project.project_id));
    }),
  );
  return (
    <>
      <h1>Projects</h1>
      <Show state={state} what="projects" retry={reload}>
        {({ projects, users }) => {
          const owners = new Map(users.map((user) => [user.user_id, user]));
          return (
            <div class="columns">
              <AddCard title="Add a project" submit="Add project" busy={busy} error={error} onSubmit={create}>
                <ProjectFields users={users} />
              </AddCard>
              <section class="card wide" aria-labelledby="all-projects">
                <h2 id="all-projects">All projects</h2>
                {projects.length === 0 ? (
                  <Empty>No projects yet. Add the first with the form.</Empty>
                ) : (
                  <TableBox label="All projects">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Name</th>
                          <th scope="col">Owner</th>
                          <th scope="col">Organization</th>
                          <th scope="col">Status</th>
                          <th scope="col">Created</th>
                        </tr>
                      </thead>
                      <tbody>
                        {projects.map((project) => {
                          const owner = project.owner_user_id === null ? undefined : owners.get(project.owner_user_id);
                          return (
                            <tr key={project.project_id}>
                              <td>
                                <a href={href('projects', project.project_id)}>{project.project_name}</a>
                              </td>
                              <td>{owner ? fullName(owner) : '—'}</td>
                              <td>{owner ? organizationOf(owner.email) : '—'}</td>
                              <td>{project.project_status}</td>
                              <td>
                                <Instant value={project.created_at} />
                              </td>
                            </tr>
                          );
                        })}
                      </tbody>
                    </table>
                  </TableBox>
                )}
              </section>
            </div>
          );
        }}
      </Show>
    </>
  );
}

/** The place a user takes on a project: a Dev's if they have the Dev role, else an Employee's. */
const placeOf = (user: User): Place => (user.role.includes('Dev') ? 'Dev' : 'Employee');
const PLACES = ['Dev', 'Employee'] as const;
type Place = (typeof PLACES)[number];

export function ProjectPage({ id }: { id: string }) {
  const load = useCallback(async () => {
    const path = { project_id: id };
    const [project, places, users] = await Promise.all([
      ok(api.GET('/api/v1/projects/{project_id}', { params: { path } })),
      ok(api.GET('/api/v1/assignments/project/{project_id}', { params: { path } })),
      ok(api.GET('/api/v1/users', { params: { query: EVERYONE } })),
    ]);
    return { project, places, users };
  }, [id]);
  const { state, reload } = useLoad(load, [load]);
  const save = useAction(reload);
  return (
    <Show state={state} what="the project" retry={reload}>
      {({ project, places, users }) => (
        <>
          <p class="crumbs">
            <a href={href('projects')}>Projects</a> /
          </p>
          <h1>{project.project_name}</h1>
          <p>
            <a href={withQuery(href('audit'), { entityType: 'project', entityId: project.project_id })}>Its audit log</a>
          </p>
          <div class="columns">
            <section class="card" aria-labelledby="edit-project">
              <h2 id="edit-project">Details</h2>
              <form
                key={project.updated_at}
                aria-labelledby="edit-project"
                onSubmit={onSubmitted(
                  (values) =>
                    save.run(async () => {
                      await ok(
                        api.PATCH('/api/v1/projects/{project_id}', { params: { path: { project_id: id } }, body: projectFields(values) }),
                      );
                      await reload();
                    }),
                  { reset: false },
                )}
              >
                <ProjectFields project={project} users={users} />
                <Submit busy={save.busy}>Save changes</Submit>
              </form>
              <ProblemMessage error={save.error} />
              <RemoveSection
                title="Delete"
                explanation="A project with people on it cannot be deleted: take them off first."
                name={project.project_name}
                remove={() => ok(api.DELETE('/api/v1/projects/{project_id}', { params: { path: { project_id: id } } }))}
                afterwards={href('projects')}
              />
            </section>
            <Places project={project} places={places} users={users} reload={reload} />
          </div>
        </>
      )}
    </Show>
  );
}

/**
 * A project has two places, one for a Dev and one for an Employee. The API does not say which place
 * an assignment holds: it is the Dev's when its user has the Dev role, as when they were put on it
 * (unless their roles changed since, so everyone on the project is listed, whatever the places).
 */
function Places({
  project,
  places,
  users,
  reload,
}: {
  project: Project;
  places: ProjectAssignment[];
  users: User[];
  reload: () => Promise<void>;
}) {
  const assign = useAction(reload);
  const unassign = useAction(reload);
  const onProject = new Set(places.map((place) => place.user_id));
  const taken = new Set(places.map((assignment) => placeOf(assignment.user)));
  const open = places.length >= 2 ? [] : PLACES.filter((place) => !taken.has(place));
  // Only who could take an open place: anyone else would be refused.
  const candidates = users.filter((user) => user.status === 'active' && !onProject.has(user.user_id) && open.includes(placeOf(user)));
  const submit = onSubmitted((values) =>
    assign.run(async () => {
      await ok(api.POST('/api/v1/assignments/', { body: { user_id: values.text('user_id') ?? '', project_id: project.project_id } }));
      await reload();
    }),
  );
  return (
    <section class="card wide" aria-labelledby="places-title">
      <h2 id="places-title">People on this project</h2>
      <TableBox label="Places on this project">
        <table>
          <thead>
            <tr>
              <th scope="col">Place</th>
              <th scope="col">Who</th>
              <th scope="col">Since</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {places.map((assignment) => (
              <tr key={assignment.assignment_id}>
                <th scope="row">{placeOf(assignment.user)}</th>
                <td>
                  {fullName(assignment.user)} ({assignment.user.email})
                </td>
                <td>
                  <Instant value={assignment.created_at} />
                </td>
                <td>
                  <button
                    type="button"
                    disabled={unassign.busy}
                    onClick={() =>
                      void unassign.run(async () => {
                        await ok(
                          api.DELETE('/api/v1/assignments/{assignment_id}', {
                            params: { path: { assignment_id: assignment.assignment_id } },
                          }),
                        );
                        await reload();
                      })
                    }
                  >
                    Take off<span class="visually-hidden"> {fullName(assignment.user)}</span>
                  </button>
                </td>
              </tr>
            ))}
            {open.map((place) => (
              <tr key={place}>
                <th scope="row">{place}</th>
                <td>
                  <Badge tone="ok">Open</Badge>
                </td>
                <td>—</td>
                <td />
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      <ProblemMessage error={unassign.error} />
      {open.length === 0 ? (
        <Empty>Both places are taken.</Empty>
      ) : (
        <form onSubmit={submit} aria-labelledby="put-on-title">
          <h3 id="put-on-title">Put someone on it</h3>
          <p class="muted small">
            A Dev takes the Dev place and must be of the owner's organization; anyone else takes the Employee place. Offered: the active
            users who could take {open.length === 2 ? 'either place' : `the ${open[0]} place`}.
          </p>
          <label>
            User
            <select name="user_id" required>
              <option value="">Choose an active user…</option>
              {candidates.map((user) => (
                <option key={user.user_id} value={user.user_id}>
                  {fullName(user)} · {placeOf(user)} · {organizationOf(user.email)}
                </option>
              ))}
            </select>
          </label>
          <Submit busy={assign.busy}>Put on project</Submit>
        </form>
      )}
      <ProblemMessage error={assign.error} />
    </section>
  );
}
