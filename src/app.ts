import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.ts';
import { adminGuard, createTokenVerifier } from './platform/auth.ts';
import { loadCursors } from './platform/cursors.ts';
import type { DatabaseHandle } from './platform/db.ts';
import { loggerOptions, registerObservability, RequestLogController, requestId } from './platform/observability.ts';
import { registerIdempotency } from './platform/idempotency.ts';
import { registerOpenApi } from './platform/openapi.ts';
import { answerClientError, createErrorHandler, createNotFoundHandler, handleFrameworkError } from './platform/problems.ts';
import { ROUTER_OPTIONS, trackAllowedMethods } from './platform/routing.ts';
import { registerSecurityHeaders } from './platform/security-headers.ts';
import { installJsonParser, installValidators } from './platform/validation.ts';
import { AuditEntry } from './audit/audit.schemas.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { consoleRoutes } from './console/console.routes.ts';
import { fleetConstraints } from './fleet/fleet.problems.ts';
import { Assignment } from './fleet/assignments/assignments.schemas.ts';
import { assignmentRoutes } from './fleet/assignments/assignments.routes.ts';
import { Technician } from './fleet/technicians/technicians.schemas.ts';
import { technicianRoutes } from './fleet/technicians/technicians.routes.ts';
import { Vehicle } from './fleet/vehicles/vehicles.schemas.ts';
import { vehicleRoutes } from './fleet/vehicles/vehicles.routes.ts';
import { Reservation } from './fleet/reservations/reservations.schemas.ts';
import { reservationRoutes } from './fleet/reservations/reservations.routes.ts';
import { projectConstraints } from './projects/projects.problems.ts';
import { ProjectAssignment } from './projects/assignments/assignments.schemas.ts';
import { projectAssignmentRoutes } from './projects/assignments/assignments.routes.ts';
import { Project } from './projects/projects/projects.schemas.ts';
import { projectRoutes } from './projects/projects/projects.routes.ts';
import { loginRoutes } from './users/login/login.routes.ts';
import { tokenHolders } from './users/login/token-holders.ts';
import { userConstraints } from './users/users.problems.ts';
import { userRoutes } from './users/users.routes.ts';
import { User } from './users/users.schemas.ts';

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  /** The HS256 key in force: JWT_SECRET, or the one kept in DATA_DIR; undefined for JWKS only. */
  jwtSecret: string | undefined;
  /** false silences request logs (tests); a stream receives them instead of stdout; default stdout. */
  logger?: boolean | { write(line: string): void };
}

export type App = FastifyInstance;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * GET /metrics on a port of its own (METRICS_PORT), or null when the app serves it: server.ts
     * makes it listen beside the app, and it closes with the app.
     */
    metricsListener: FastifyInstance | null;
  }
}

/**
 * How long a client may take. REQUEST_TIMEOUT bounds the sending of a whole request, headers and
 * body, so a body trickled a byte at a time cannot hold a connection: Node answers it through the
 * clientErrorHandler (408 problem+json) and closes. CONNECTION_TIMEOUT bounds the silence of a
 * socket before its first request or during one.
 *
 * Both go to Node's server as it is created (`http`), not only as Fastify sets them afterwards:
 * created without them, Node keeps headersTimeout at 60 s, and a headersTimeout above the
 * requestTimeout leaves a body that arrives after complete headers unbounded (Node 20, measured).
 * Node looks for late requests only every connectionsCheckingInterval (30 s by default, which would
 * let a 30 s limit run to a minute), so it looks ten times per limit.
 */
function connectionLimits(config: Config) {
  const requestTimeout = config.requestTimeoutMs;
  return {
    requestTimeout,
    connectionTimeout: config.connectionTimeoutMs,
    http: { requestTimeout, connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.round(requestTimeout / 10))) },
  };
}

/** The listener of METRICS_PORT: /metrics alone, kept off the public port and its load balancer. */
function metricsListener(config: Config): FastifyInstance {
  const listener = Fastify({
    logger: false,
    ...connectionLimits(config),
    routerOptions: ROUTER_OPTIONS,
    clientErrorHandler: answerClientError,
    forceCloseConnections: 'idle',
  });
  listener.setErrorHandler(createErrorHandler({}));
  listener.setNotFoundHandler(createNotFoundHandler(trackAllowedMethods(listener)));
  return listener;
}

/**
 * TRUST_PROXY as Fastify takes it. A hop count trusts that many proxies in front of the server,
 * nearest first: the client is the address the farthest of them saw, whatever a client wrote
 * further left in X-Forwarded-For. Fastify reads a bare number as "trust none", because a client
 * that reaches the server without a proxy could then name any address; a hop count is for servers
 * reachable only through their proxies, and the README says so.
 */
function trustedProxies(trustProxy: Config['trustProxy']) {
  if (typeof trustProxy !== 'number') return trustProxy;
  return (_address: string, hop: number) => hop < trustProxy;
}

export async function buildApp({ config, database, jwtSecret, logger = true }: AppOptions): Promise<App> {
  const app = Fastify({
    logger: logger === false ? false : loggerOptions(config.logLevel, logger === true ? undefined : logger),
    genReqId: requestId,
    // One log line per request, written when the response is sent (see observability.ts).
    logController: new RequestLogController(),
    bodyLimit: 1024 * 1024,
    // The client address keys the sign-in throttle: behind a proxy it must come from X-Forwarded-For.
    trustProxy: trustedProxies(config.trustProxy),
    routerOptions: ROUTER_OPTIONS,
    // What the router and Node's HTTP parser refuse is problem+json like every other error.
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: answerClientError,
    ...connectionLimits(config),
    // Shut down cleanly: stop accepting, let requests in flight finish. A request that arrives on a
    // kept-alive connection meanwhile gets a 503 problem from observability.ts, not Fastify's own body.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  installValidators(app);
  app.decorateRequest('principal', null);
  app.setErrorHandler(createErrorHandler({ ...fleetConstraints, ...userConstraints, ...projectConstraints }));
  app.setNotFoundHandler(createNotFoundHandler(trackAllowedMethods(app)));

  installJsonParser(app);

  // Adds the Idempotency-Key header to the POST routes' schemas, so it runs before the document's hook.
  registerIdempotency(app, database.db);
  // The document sees only the routes registered after it, so it comes first.
  await registerOpenApi(app, [Vehicle, Technician, Assignment, Reservation, User, Project, ProjectAssignment, AuditEntry]);
  const metrics = config.metricsPort === undefined ? null : metricsListener(config);
  app.decorate('metricsListener', metrics);
  if (metrics) app.addHook('onClose', () => metrics.close());
  registerObservability(app, () => database.ping(), metrics);
  registerSecurityHeaders(app);

  const db = database.db;
  const cursors = await loadCursors(db);
  const holders = tokenHolders(db);
  const verifier = createTokenVerifier({
    ...config,
    jwtSecret,
    checkTokenHolder: holders.check,
    onProviderFailure: (error) =>
      app.log.warn({ err: error, jwksUrl: config.jwksUrl }, "the identity provider's keys could not be fetched; trying again in 30 s"),
  });
  await app.register(loginRoutes, { prefix: '/api/auth', db, jwtSecret, config });

  await app.register(async (admin) => {
    admin.addHook('onRequest', adminGuard(verifier));
    await admin.register(vehicleRoutes, { prefix: '/api/admin/vehicles', db, cursors });
    await admin.register(technicianRoutes, { prefix: '/api/admin/technicians', db, cursors });
    await admin.register(assignmentRoutes, { prefix: '/api/admin/assignments', db, cursors });
    await admin.register(reservationRoutes, { prefix: '/api/admin/reservations', db });
    await admin.register(auditRoutes, { prefix: '/api/admin/audit-log', db, cursors });
    await admin.register(userRoutes, { prefix: '/api/v1/users', db, tokenHolders: holders });
    await admin.register(projectRoutes, { prefix: '/api/v1/projects', db });
    await admin.register(projectAssignmentRoutes, { prefix: '/api/v1/assignments', db });
  });

  await app.register(consoleRoutes);
  return app;
}
