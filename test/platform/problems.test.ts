import { describe, expect, it } from 'vitest';
import { fleetConstraints, fleetProblems } from '../../src/fleet/fleet.problems.ts';
import { Problem, problems } from '../../src/platform/problems.ts';
import { projectConstraints, projectProblems } from '../../src/projects/projects.problems.ts';
import { loginProblems } from '../../src/users/login/login.problems.ts';
import { userConstraints, userProblems } from '../../src/users/users.problems.ts';

const catalogues = { platform: problems, fleet: fleetProblems, users: userProblems, login: loginProblems, projects: projectProblems };

/** Every named case of every catalogue, made with placeholder arguments. */
function everyCase(): { name: string; problem: Problem }[] {
  return Object.entries(catalogues).flatMap(([domain, catalogue]) =>
    Object.entries(catalogue).map(([name, make]) => {
      const problem = (make as (...args: unknown[]) => Problem)(['x'], ['x'], ['x']);
      return { name: `${domain}.${name}`, problem };
    }),
  );
}

describe('the problem catalogues', () => {
  it('give every case a slug no other case uses', () => {
    const owners = new Map<string, string[]>();
    for (const { name, problem } of everyCase()) owners.set(problem.slug, [...(owners.get(problem.slug) ?? []), name]);
    const shared = [...owners].filter(([, names]) => names.length > 1);
    expect(shared).toEqual([]);
  });

  it('keep the fleet and the Project API apart where their words are alike', () => {
    expect(fleetProblems.assignmentNotFound(1).slug).toBe('assignment-not-found');
    expect(projectProblems.projectAssignmentNotFound('x').slug).toBe('project-assignment-not-found');
  });

  it('make only error statuses with a lower-case slug and a detail', () => {
    for (const { name, problem } of everyCase()) {
      expect(problem.status, name).toBeGreaterThanOrEqual(400);
      expect(problem.slug, name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(problem.detail.length, name).toBeGreaterThan(0);
    }
  });

  it('name each database constraint in one domain only, so that no map hides another when app.ts merges them', () => {
    const names = [fleetConstraints, userConstraints, projectConstraints].flatMap((map) => Object.keys(map));
    expect(new Set(names).size).toBe(names.length);
  });
});
