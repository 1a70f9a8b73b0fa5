// Calls of allot's API the way a TypeScript user writes them with openapi-fetch, typed by the
// generated api.d.ts. It is compiled (strict, exactOptionalPropertyTypes) by typed-client.test.ts
// and never run: a document whose types make any of these awkward or wrong fails that test.
import createClient from 'openapi-fetch';
import type { components, paths } from '../../console/src/api.d.ts';

/** RFC 9457, as every error of allot is: what a caller's error handling is written against. */
interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}
type Vehicle = components['schemas']['Vehicle'];

export async function usage(baseUrl: string, token: string): Promise<void> {
  const api = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });

  // Sign in: no token needed, the body is typed, the answer carries the token.
  const login = await api.POST('/api/auth/login', { body: { email: 'admin@example.com', password: 'correct horse' } });
  if (login.data) {
    const issued: string = login.data.token;
    const expiresAt: string = login.data.expires_at;
    void [issued, expiresAt];
  }
  if (login.error) {
    const detail: string = login.error.detail;
    void detail;
  }

  // Project API: a list with and without its query.
  const everyone = await api.GET('/api/v1/users');
  const firstFive = await api.GET('/api/v1/users', { params: { query: { limit: 5 } } });
  // @ts-expect-error limit is a number
  await api.GET('/api/v1/users', { params: { query: { limit: 'five' } } });
  const users = [...(everyone.data ?? []), ...(firstFive.data ?? [])];
  const userId: string = users[0]?.user_id ?? '';

  const project = await api.POST('/api/v1/projects', { body: { project_name: 'Mangroves' } });
  const projectId: string = project.data?.project_id ?? '';

  // The published paths, trailing slash included.
  const created = await api.POST('/api/v1/assignments/', { body: { user_id: userId, project_id: projectId } });
  // @ts-expect-error project_id is required
  await api.POST('/api/v1/assignments/', { body: { user_id: userId } });
  if (created.error) {
    const problem: Problem = created.error;
    const detail: string = created.error.detail;
    void [problem, detail];
  }
  const listed = await api.GET('/api/v1/assignments/');
  const assignmentIds: string[] = (listed.data ?? []).map((assignment) => assignment.assignment_id);

  // A 204 has no body: there is no data to read.
  const deleted = await api.DELETE('/api/v1/assignments/{assignment_id}', {
    params: { path: { assignment_id: created.data?.assignment_id ?? assignmentIds[0] ?? '' } },
  });
  const nothing: undefined = deleted.data;
  void nothing;

  // Fleet API: wrapped bodies, integer ids, the assignment with its vehicle and technician.
  const assigned = await api.POST('/api/admin/assignments', { body: { vehicleId: 1, technicianId: 2 } });
  // @ts-expect-error ids are integers, not strings
  await api.POST('/api/admin/assignments', { body: { vehicleId: '1', technicianId: 2 } });
  if (assigned.data) {
    const vehicle: Vehicle = assigned.data.assignment.vehicle;
    const plate: string = assigned.data.assignment.vehicle.plateNumber;
    const technician: string = assigned.data.assignment.technician.name;
    void [vehicle, plate, technician];
  } else {
    const detail: string = assigned.error.detail;
    void detail;
  }

  const returned = await api.PATCH('/api/admin/assignments/{id}/return', { params: { path: { id: 1 } } });
  const returnedAt: string | null | undefined = returned.data?.assignment.returnedAt;
  void returnedAt;
  // @ts-expect-error the path needs its id
  await api.PATCH('/api/admin/assignments/{id}/return', { params: { path: {} } });

  const page = await api.GET('/api/admin/assignments', { params: { query: { status: 'active', limit: 50 } } });
  const nextCursor: string | null | undefined = page.data?.nextCursor;
  void nextCursor;
}
