import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';

/**
 * Every error allot answers with, as RFC 9457 problem+json. Services throw these; the one error
 * handler below turns them, validation failures, framework errors and database constraint
 * violations into a response. Nothing else writes an error body.
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    /** Stable, machine-readable name of the case; the `type` of the body is `/problems/<slug>`. */
    readonly slug: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

const badRequest = (slug: string, detail: string) => new Problem(400, slug, detail);
const notFound = (slug: string, detail: string) => new Problem(404, slug, detail);
const conflict = (slug: string, detail: string) => new Problem(409, slug, detail);

export const problems = {
  // Authentication and authorisation
  unauthorized: (detail: string) =>
    new Problem(401, 'unauthorized', detail, { 'www-authenticate': 'Bearer realm="allot"' }),
  identityProviderUnreachable: () =>
    new Problem(401, 'identity-provider-unreachable', "the token could not be verified: the identity provider's keys could not be fetched", {
      'www-authenticate': 'Bearer realm="allot"',
    }),
  forbidden: () => new Problem(403, 'forbidden', 'this route needs a token with the admin role'),
  invalidCredentials: () =>
    new Problem(401, 'invalid-credentials', 'the email or the password is wrong', { 'www-authenticate': 'Bearer realm="allot"' }),
  tooManyLoginAttempts: (retryAfterSeconds: number) =>
    new Problem(429, 'too-many-login-attempts', `too many failed sign-ins from this client; try again in ${retryAfterSeconds} s`, {
      'retry-after': String(retryAfterSeconds),
    }),
  loginUnavailable: () =>
    new Problem(503, 'login-unavailable', 'this server only accepts tokens from its identity provider (JWKS_URL); it issues none'),

  // Service
  notReady: () => new Problem(503, 'not-ready', 'the database does not answer'),

  // Input
  invalidJson: () => badRequest('invalid-json', 'the request body is not valid JSON'),
  forbiddenKey: () => badRequest('forbidden-key', 'the body may not contain the keys __proto__ or constructor.prototype'),
  invalidCursor: () => badRequest('invalid-cursor', 'cursor is not one this server returned'),
  invalidValue: () => badRequest('invalid-value', 'a value is out of the range the database accepts'),
  invalidText: () => badRequest('invalid-text', 'text cannot contain the NUL character (\\u0000)'),

  // Fleet
  vehicleNotFound: (id: number) => notFound('vehicle-not-found', `vehicle ${id} does not exist`),
  technicianNotFound: (id: number) => notFound('technician-not-found', `technician ${id} does not exist`),
  assignmentNotFound: (id: number) => notFound('assignment-not-found', `assignment ${id} does not exist`),
  vehicleBusy: (id: string | number) => conflict('vehicle-busy', `vehicle ${id} already has an active assignment`),
  technicianBusy: (id: string | number) => conflict('technician-busy', `technician ${id} already has an active assignment`),
  vehicleStillAssigned: (id: number) =>
    conflict('vehicle-assigned', `vehicle ${id} has an active assignment; return it before deleting the vehicle`),
  technicianStillAssigned: (id: number) =>
    conflict('technician-assigned', `technician ${id} has an active assignment; return it before deleting the technician`),
  assignmentAlreadyReturned: (id: number) => conflict('assignment-returned', `assignment ${id} is already returned`),
  plateNumberTaken: () => conflict('plate-number-taken', 'another vehicle in service already has this plate number'),
  vinTaken: () => conflict('vin-taken', 'another vehicle in service already has this VIN'),
  technicianEmailTaken: () => conflict('technician-email-taken', 'another technician already has this email'),

  // Users and projects
  userNotFound: (id: string) => notFound('user-not-found', `user ${id} does not exist`),
  projectNotFound: (id: string) => notFound('project-not-found', `project ${id} does not exist`),
  projectsNotFound: (ids: string[]) => notFound('project-not-found', `these projects do not exist: ${ids.join(', ')}`),
  ownerNotFound: (id: string) => notFound('owner-not-found', `owner user ${id} does not exist`),
  projectAssignmentNotFound: (id: string) => notFound('assignment-not-found', `assignment ${id} does not exist`),
  userEmailTaken: () => conflict('user-email-taken', 'another user already has this email (emails are compared ignoring case)'),
  userHasAssignments: () =>
    conflict('user-has-assignments', 'the user has project assignments or owns projects; remove those first'),
  projectHasAssignments: () => conflict('project-has-assignments', 'the project has assignments; delete them first'),
  projectDatesOutOfOrder: () => badRequest('project-dates-out-of-order', 'project_end_date must not be before project_start_date'),
  userLacksRole: (id: string) =>
    badRequest('user-lacks-role', `user ${id} has neither the Dev nor the Employee role, so cannot be assigned`),
  userNotDev: (id: string) => badRequest('user-not-dev', `user ${id} is not a Dev; bulk assignment is for Dev users`),
  userInactive: (id: string) => badRequest('user-inactive', `user ${id} is inactive`),
  organizationMissing: (projectIds: string[]) =>
    badRequest(
      'organization-missing',
      `project ${projectIds.join(', ')} has no owner, so its organization is unknown and no Dev can be assigned`,
    ),
  organizationMismatch: (projectIds: string[]) =>
    new Problem(
      403,
      'organization-mismatch',
      `a Dev must belong to the project owner's organization; project ${projectIds.join(', ')} belongs to another`,
    ),
  alreadyAssigned: () => conflict('already-assigned', 'this user is already assigned to this project'),
  projectLimitReached: () =>
    conflict('project-limit-reached', 'the project already has a user in this capacity (one Dev and one Employee at most)'),
} as const;

/**
 * Constraint name → the answer for a violation that no service caught first. The key value that
 * PostgreSQL reports (e.g. the vehicle id) is passed along where the detail names it.
 */
const constraintProblems: Record<string, (key: string | undefined) => Problem> = {
  assignments_one_active_per_vehicle: (key) => problems.vehicleBusy(key ?? 'the'),
  assignments_one_active_per_technician: (key) => problems.technicianBusy(key ?? 'the'),
  vehicles_plate_number_key: () => problems.plateNumberTaken(),
  vehicles_vin_key: () => problems.vinTaken(),
  technicians_email_key: () => problems.technicianEmailTaken(),
  users_email_key: () => problems.userEmailTaken(),
  project_assignments_user_project_key: () => problems.alreadyAssigned(),
  project_assignments_one_per_role: () => problems.projectLimitReached(),
  projects_owner_user_id_users_user_id_fk: (key) => problems.ownerNotFound(key ?? ''),
  projects_dates_ordered: () => problems.projectDatesOutOfOrder(),
};

interface DatabaseErrorFields {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** Drizzle wraps the driver's error; the SQLSTATE is on the cause (or on the error itself). */
function databaseError(error: unknown): DatabaseErrorFields | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as DatabaseErrorFields).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return e as DatabaseErrorFields;
  }
  return undefined;
}

/** "Key (vehicle_id)=(42) already exists." → "42" */
function keyValue(detail: string | undefined): string | undefined {
  return detail ? /\)=\((.*)\)/.exec(detail)?.[1] : undefined;
}

/**
 * A delete blocked by a row that still points at it. PostgreSQL 15 reports an ON DELETE RESTRICT
 * key as 23503 "is still referenced"; PostgreSQL 18 (PGlite) as 23001 restrict_violation.
 */
export function isStillReferenced(error: unknown): boolean {
  const db = databaseError(error);
  return db?.code === '23001' || (db?.code === '23503' && db.detail?.includes('still referenced') === true);
}

export function problemFromDatabase(error: unknown): Problem | undefined {
  const db = databaseError(error);
  if (!db?.code) return undefined;
  // The services say which record in their own words; this is the fallback.
  if (isStillReferenced(error)) {
    return conflict('still-referenced', 'this is still referenced by other records');
  }
  const known = db.constraint ? constraintProblems[db.constraint] : undefined;
  if (known) return known(keyValue(db.detail));
  switch (db.code) {
    case '23505': // unique_violation
    case '23P01': // exclusion_violation
      return conflict('conflict', 'this would duplicate something that must be unique');
    case '23503': // foreign_key_violation: a reference to something that does not exist
      return notFound('reference-not-found', 'something this refers to does not exist');
    case '23514': // check_violation
    case '22P02': // invalid_text_representation
    case '22003': // numeric_value_out_of_range
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
    case '22009': // invalid_time_zone_displacement_value
      return problems.invalidValue();
    case '22021': // character_not_in_repertoire: JSON allows "\u0000" in a string, PostgreSQL text does not
    case '22P05': // untranslatable_character
      return problems.invalidText();
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return conflict('concurrent-change', 'a concurrent change got in the way; retry the request');
    default:
      return undefined;
  }
}

export interface FieldError {
  path: string;
  message: string;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

const HTTP_PARTS: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

/** Ajv's errors → one entry per bad field, its path a JSON Pointer prefixed with the request part. */
export function fieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  const part = `/${HTTP_PARTS[context ?? 'body'] ?? context}`;
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const error of validation) {
    // anyOf/oneOf add a summary after their branches' errors; the branches say more.
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'if') continue;
    let path = part + error.instancePath;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      path += `/${String(error.params.missingProperty)}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path += `/${String(error.params.additionalProperty)}`;
      message = 'is not a known field';
    }
    const key = `${path} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push({ path, message });
  }
  return errors;
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'identifies the kind of problem: /problems/<name>' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: FieldError[];
}

function body(status: number, slug: string, detail: string, extra: Partial<ProblemBody> = {}): ProblemBody {
  return { type: `/problems/${slug}`, title: STATUS_CODES[status] ?? 'Error', status, detail, ...extra };
}

// Framework errors whose own messages are fine to show, rewritten so that no library name leaks.
const FRAMEWORK_DETAILS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body-too-large', 'the request body is larger than 1 MiB'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type', 'send the body as application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid-body', 'the request body length does not match Content-Length'],
};

function sendProblem(reply: FastifyReply, status: number, payload: ProblemBody, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).type('application/problem+json').send(payload);
}

/** The one error handler of the application. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof Problem) {
    return sendProblem(reply, error.status, body(error.status, error.slug, error.detail), error.headers);
  }
  if (error.validation) {
    const errors = fieldErrors(error.validation as AjvError[], error.validationContext);
    const detail = errors.map((e) => `${e.path} ${e.message}`).join('; ') || 'the request is invalid';
    return sendProblem(reply, 400, body(400, 'validation', detail, { errors }));
  }
  const known = error.code ? FRAMEWORK_DETAILS[error.code] : undefined;
  if (known) return sendProblem(reply, known[0], body(known[0], known[1], known[2]));
  const fromDatabase = problemFromDatabase(error);
  if (fromDatabase) {
    return sendProblem(reply, fromDatabase.status, body(fromDatabase.status, fromDatabase.slug, fromDatabase.detail));
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return sendProblem(reply, status, body(status, 'client-error', STATUS_CODES[status] ?? 'the request was rejected'));
  }
  request.log.error({ err: error }, 'request failed');
  return sendProblem(
    reply,
    500,
    body(500, 'internal', `an internal error happened; quote request id ${request.id} when reporting it`, {
      requestId: String(request.id),
    }),
  );
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(reply, 404, body(404, 'route-not-found', `no route ${request.method} ${request.url.split('?')[0]}`));
}
