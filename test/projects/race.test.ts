import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { adminToken } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { expectProblem } from '../support/problems.ts';
import type { ResponseLike } from '../support/problems.ts';
import { expectAuditedExactly, send, startReplicas } from '../support/replicas.ts';
import type { Outcome, Replicas } from '../support/replicas.ts';
import { ownedProject } from '../support/projects.ts';
import type { AssignmentBody } from '../support/projects.ts';
import { createUser, organization, userEmail } from '../support/users.ts';

let replicas: Replicas;
let a: TestApp;
let token: string;

beforeAll(async () => {
  replicas = await startReplicas();
  a = replicas.instances[0]!;
  token = await adminToken();
});
afterAll(() => replicas.close());

// Every answer of the test; after it, audit completeness is counted over them (a bulk answer
// made one entry per assignment in its body).
let sent: Outcome[] = [];
afterEach(async () => {
  await expectAuditedExactly(replicas, sent, (outcome) => {
    const body = JSON.parse(outcome.body) as unknown;
    return Array.isArray(body) ? body.length : 1;
  });
  sent = [];
});

/** Sends the request to replica i mod n, over HTTP. */
async function post(i: number, path: string, body: unknown): Promise<Outcome> {
  const outcome = await send(replicas, token, i, { method: 'POST', path, body });
  sent.push(outcome);
  return outcome;
}

function tally(outcomes: ResponseLike[]) {
  return {
    created: outcomes.filter((o) => o.statusCode === 201).map((o) => JSON.parse(o.body) as AssignmentBody),
    conflicts: outcomes.filter((o) => o.statusCode === 409),
    others: outcomes.filter((o) => o.statusCode !== 201 && o.statusCode !== 409).map((o) => `${o.statusCode} ${o.body}`),
  };
}

async function assignmentsOf(projectId: string): Promise<AssignmentBody[]> {
  return (await a.request('GET', `/api/v1/assignments/project/${projectId}`)).json();
}

it('of 24 Devs of one organization assigned at once to one project, across the replicas, exactly one is 201 and the rest 409 project-limit-reached', async () => {
  const domain = organization();
  const project = await ownedProject(a, domain);
  const devs = await Promise.all(Array.from({ length: 24 }, () => createUser(a, { role: ['Dev'], domain })));

  const outcomes = await Promise.all(
    devs.map((dev, i) => post(i, '/api/v1/assignments/', { user_id: dev.user_id, project_id: project.project_id })),
  );
  const { created, conflicts, others } = tally(outcomes);
  expect(others).toEqual([]);
  expect(created).toHaveLength(1);
  expect(conflicts).toHaveLength(23);
  for (const conflict of conflicts) expectProblem(conflict, 409, 'project-limit-reached');
  const stored = await assignmentsOf(project.project_id);
  expect(stored.map((x) => x.assignment_id)).toEqual([created[0]!.assignment_id]);
});

it('of 24 Employees assigned at once to one project, across the replicas, exactly one is 201 and the rest 409 project-limit-reached', async () => {
  const project = await ownedProject(a, organization());
  const employees = await Promise.all(Array.from({ length: 24 }, () => createUser(a, { role: ['Employee'] })));

  const outcomes = await Promise.all(
    employees.map((e, i) => post(i, '/api/v1/assignments/', { user_id: e.user_id, project_id: project.project_id })),
  );
  const { created, conflicts, others } = tally(outcomes);
  expect(others).toEqual([]);
  expect(created).toHaveLength(1);
  expect(conflicts).toHaveLength(23);
  for (const conflict of conflicts) expectProblem(conflict, 409, 'project-limit-reached');
  expect(await assignmentsOf(project.project_id)).toHaveLength(1);
});

it('Devs and Employees racing for one project: one of each wins, the other 22 are 409 project-limit-reached', async () => {
  const domain = organization();
  const project = await ownedProject(a, domain);
  const users = await Promise.all(Array.from({ length: 24 }, (_, i) => createUser(a, { role: [i % 2 ? 'Dev' : 'Employee'], domain })));
  const outcomes = await Promise.all(
    users.map((u, i) => post(i, '/api/v1/assignments/', { user_id: u.user_id, project_id: project.project_id })),
  );
  const { created, conflicts, others } = tally(outcomes);
  expect(others).toEqual([]);
  expect(created).toHaveLength(2);
  expect(conflicts).toHaveLength(22);
  for (const conflict of conflicts) expectProblem(conflict, 409, 'project-limit-reached');
  const roles = created.map((o) => o.user.role[0]).sort();
  expect(roles).toEqual(['Dev', 'Employee']);
});

it('20 identical creates of one pair at once: one 201, the rest 409 already assigned', async () => {
  const domain = organization();
  const project = await ownedProject(a, domain);
  const dev = await createUser(a, { role: ['Dev'], domain });
  const outcomes = await Promise.all(
    Array.from({ length: 20 }, (_, i) => post(i, '/api/v1/assignments/', { user_id: dev.user_id, project_id: project.project_id })),
  );
  const { created, conflicts, others } = tally(outcomes);
  expect(others).toEqual([]);
  expect(created).toHaveLength(1);
  expect(conflicts).toHaveLength(19);
  for (const conflict of conflicts) expectProblem(conflict, 409, 'already-assigned');
  expect(await assignmentsOf(project.project_id)).toHaveLength(1);
});

it('12 Devs bulk-assigning the same 6 projects in different orders at once: every project gets exactly one Dev', async () => {
  const domain = organization();
  const projects = await Promise.all(Array.from({ length: 6 }, () => ownedProject(a, domain)));
  const devs = await Promise.all(Array.from({ length: 12 }, () => createUser(a, { role: ['Dev'], domain })));
  const ids = projects.map((p) => p.project_id);

  const outcomes = await Promise.all(
    devs.map((dev, i) => {
      // Each Dev lists the projects in another rotation, reversed for every other one.
      const rotated = [...ids.slice(i % ids.length), ...ids.slice(0, i % ids.length)];
      return post(i, `/api/v1/assignments/bulk?user_id=${dev.user_id}`, i % 2 ? rotated.reverse() : rotated);
    }),
  );
  expect(outcomes.map((o) => o.status)).toEqual(devs.map(() => 200));
  const created = outcomes.flatMap((o) => JSON.parse(o.body) as AssignmentBody[]);
  expect(created.map((x) => x.project_id).sort()).toEqual([...ids].sort());
  for (const project of projects) expect(await assignmentsOf(project.project_id)).toHaveLength(1);
});

it('20 concurrent creates of users with one email (in any case): one 201, the rest 409 user-email-taken', async () => {
  const address = userEmail();
  const outcomes = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      post(i, '/api/v1/users', {
        email: i % 2 ? address : address.toUpperCase(),
        first_name: 'Race',
        last_name: `R${i}`,
        role: ['Employee'],
      }),
    ),
  );
  expect(outcomes.filter((o) => o.statusCode === 201)).toHaveLength(1);
  const conflicts = outcomes.filter((o) => o.statusCode !== 201);
  expect(conflicts).toHaveLength(19);
  for (const conflict of conflicts) expectProblem(conflict, 409, 'user-email-taken');
});
