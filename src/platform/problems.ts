import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isConnectionLost, isPoolExhausted } from './db.ts';

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

export const badRequest = (slug: string, detail: string) => new Problem(400, slug, detail);
export const notFound = (slug: string, detail: string) => new Problem(404, slug, detail);
export const conflict = (slug: string, detail: string) => new Problem(409, slug, detail);

export const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer realm="allot"' };

/** The problems of the platform itself; each domain keeps its own in its *.problems.ts. */
export const problems = {
  // Authentication and authorisation
  unauthorized: (detail: string) => new Problem(401, 'unauthorized', detail, BEARER_CHALLENGE),
  identityProviderUnreachable: () =>
    new Problem(
      401,
      'identity-provider-unreachable',
      "the token could not be verified: the identity provider's keys could not be fetched",
      BEARER_CHALLENGE,
    ),
  forbidden: () => new Problem(403, 'forbidden', 'this route needs a token with the admin role'),

  // Service
  notReady: () => new Problem(503, 'not-ready', 'the database does not answer'),
  databaseUnavailable: () =>
    new Problem(503, 'database-unavailable', 'the database cannot be reached now; send the request again', { 'retry-after': '1' }),
  databaseBusy: () =>
    new Problem(503, 'database-busy', 'the database did not finish in time; nothing was changed, send the request again', {
      'retry-after': '1',
    }),
  shuttingDown: () => new Problem(503, 'shutting-down', 'the server is shutting down; send the request again', { connection: 'close' }),

  // Routing
  routeNotFound: (method: string, path: string) => notFound('route-not-found', `no route ${method} ${path}`),
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new Problem(405, 'method-not-allowed', `${path} does not take ${method}; it takes ${allowed.join(', ')}`, {
      allow: allowed.join(', '),
    }),
  uriTooLong: () => new Problem(414, 'uri-too-long', 'a path segment of the request is too long'),
  invalidUrl: () => badRequest('invalid-url', 'the request path is not a valid URL'),

  // Input
  invalidJson: () => badRequest('invalid-json', 'the request body is not valid JSON'),
  forbiddenKey: () => badRequest('forbidden-key', 'the body may not contain the keys __proto__ or constructor.prototype'),
  invalidCursor: () => badRequest('invalid-cursor', 'cursor is not one this server returned'),
  invalidValue: () => badRequest('invalid-value', 'a value is out of the range the database accepts'),
  invalidText: () => badRequest('invalid-text', 'text cannot contain the NUL character (\\u0000)'),
  referenceNotFound: () => notFound('reference-not-found', 'something this refers to does not exist'),
  stillReferenced: () => conflict('still-referenced', 'this is still referenced by other records'),
  duplicate: () => conflict('conflict', 'this would duplicate something that must be unique'),
  // Retry-After marks it transient: an Idempotency-Key does not keep it, so the retry runs afresh.
  concurrentChange: () =>
    new Problem(409, 'concurrent-change', 'a concurrent change got in the way; retry the request', { 'retry-after': '1' }),
} as const;

/**
 * Constraint name → the answer for its violation when no service caught it first. Each domain
 * names its own constraints; the key value that PostgreSQL reports (a vehicle id, say) is passed
 * along for the detail.
 */
export type ConstraintProblems = Record<string, (key: string | undefined) => Problem>;

interface DatabaseErrorFields {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** Drizzle wraps the driver's error; the SQLSTATE is on the cause (or on the error itself). */
function databaseError(error: unknown): DatabaseErrorFields | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as DatabaseErrorFields).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return e;
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

/** The SQLSTATE fallback: a database error → its problem, or undefined when it is not the client's. */
export function problemFromDatabase(error: unknown, constraints: ConstraintProblems): Problem | undefined {
  const db = databaseError(error);
  if (!db?.code) return undefined;
  // The services say which record in their own words; this is the fallback.
  if (isStillReferenced(error)) return problems.stillReferenced();
  const known = db.constraint ? constraints[db.constraint] : undefined;
  if (known) return known(keyValue(db.detail));
  switch (db.code) {
    case '23505': // unique_violation
    case '23P01': // exclusion_violation
      return problems.duplicate();
    case '23503': // foreign_key_violation: a reference to something that does not exist
      return problems.referenceNotFound();
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
    case '57P01': // admin_shutdown
    case '57P02': // crash_shutdown
    case '57P03': // cannot_connect_now: starting up
    case '25006': // read_only_sql_transaction: a replica, during a failover
      return problems.databaseUnavailable();
    case '57014': // query_canceled: the statement timeout
    case '55P03': // lock_not_available
      return problems.databaseBusy();
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return problems.concurrentChange();
    default:
      // 08: connection exceptions; 53: out of connections, memory or disk.
      return /^(08|53)/.test(db.code) ? problems.databaseUnavailable() : undefined;
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

/** The body of every error response. */
export interface ProblemBody {
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
const FRAMEWORK_PROBLEMS: Record<string, () => Problem> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new Problem(413, 'body-too-large', 'the request body is larger than 1 MiB'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new Problem(415, 'unsupported-media-type', 'send the body as application/json'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => badRequest('invalid-body', 'the request body length does not match Content-Length'),
  FST_ERR_MAX_PARAM_LENGTH: problems.uriTooLong,
  FST_ERR_BAD_URL: problems.invalidUrl,
};

function sendProblem(reply: FastifyReply, problem: Problem, extra: Partial<ProblemBody> = {}) {
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(body(problem.status, problem.slug, problem.detail, extra));
}

/**
 * The one error handler of the application: problems thrown by the services, validation
 * failures, the framework's own errors and database errors all leave here as problem+json, with
 * the domains' constraint names mapped to their own answers.
 */
export function createErrorHandler(constraints: ConstraintProblems) {
  return function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (error instanceof Problem) return sendProblem(reply, error);
    if (error.validation) {
      const errors = fieldErrors(error.validation, error.validationContext);
      const detail = errors.map((e) => `${e.path} ${e.message}`).join('; ') || 'the request is invalid';
      return sendProblem(reply, badRequest('validation', detail), { errors });
    }
    const framework = error.code ? FRAMEWORK_PROBLEMS[error.code] : undefined;
    if (framework) return sendProblem(reply, framework());
    if (isPoolExhausted(error)) return sendProblem(reply, problems.databaseBusy());
    if (isConnectionLost(error)) {
      request.log.error({ err: error }, 'the database cannot be reached');
      return sendProblem(reply, problems.databaseUnavailable());
    }
    const fromDatabase = problemFromDatabase(error, constraints);
    if (fromDatabase) return sendProblem(reply, fromDatabase);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendProblem(reply, new Problem(status, 'client-error', STATUS_CODES[status] ?? 'the request was rejected'));
    }
    const internal = new Problem(500, 'internal', `an internal error happened; quote request id ${request.id} when reporting it`);
    return sendProblem(reply, internal, { requestId: String(request.id) });
  };
}

/**
 * Errors of the router, before any route runs (a path segment over the length limit, a path that
 * is not valid percent-encoding): the same problem+json as everything else.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // No hook has run for such a request, the one that sets X-Request-Id included.
  reply.header('x-request-id', request.id);
  const framework = error.code ? FRAMEWORK_PROBLEMS[error.code] : undefined;
  void sendProblem(reply, framework ? framework() : badRequest('client-error', 'the request was rejected'));
}

/** A path no route has is 404; a path some route has, with another method, is 405 with Allow. */
export function createNotFoundHandler(allowedMethods: (path: string) => string[]) {
  return function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = allowedMethods(path);
    // A route that takes this method and found nothing (a file missing under /docs/static/) is a 404.
    if (allowed.length > 0 && !allowed.includes(request.method))
      return sendProblem(reply, problems.methodNotAllowed(request.method, path, allowed));
    return sendProblem(reply, problems.routeNotFound(request.method, path));
  };
}

// What Node's HTTP parser rejects before Fastify sees a request, by its error code.
const PARSER_PROBLEMS: Record<string, () => Problem> = {
  HPE_HEADER_OVERFLOW: () => new Problem(431, 'headers-too-large', 'the request headers are larger than 16 KiB'),
  HPE_INVALID_METHOD: () => new Problem(501, 'method-not-implemented', 'the request method is not one this server knows'),
  ERR_HTTP_REQUEST_TIMEOUT: () => new Problem(408, 'request-timeout', 'the request was not received in time'),
};

/**
 * The answer to a request Node's HTTP parser refused (headers too large, an unknown method, bytes
 * that are not HTTP): written to the socket directly, since no request object exists, but as the
 * same problem+json with its own request id.
 */
export function answerClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const known = error.code ? PARSER_PROBLEMS[error.code] : undefined;
  const problem = known ? known() : badRequest('malformed-request', 'the request is not well-formed HTTP');
  const payload = JSON.stringify(body(problem.status, problem.slug, problem.detail));
  const requestId = randomUUID();
  // Its one log line, so that the request id a client quotes can be found.
  this.log.info({ reqId: requestId, res: { statusCode: problem.status }, code: error.code }, 'request refused by the HTTP parser');
  socket.end(
    [
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`,
      'Content-Type: application/problem+json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(payload)}`,
      `X-Request-Id: ${requestId}`,
      'Connection: close',
      '',
      payload,
    ].join('\r\n'),
  );
}
