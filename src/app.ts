import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './platform/db.ts';
import { adminGuard, createTokenVerifier } from './platform/auth.ts';
import { handleError, handleNotFound } from './platform/problems.ts';
import { installJsonParser, installValidators } from './platform/validation.ts';
import { registerOpenApi } from './platform/openapi.ts';
import { loggerOptions, registerObservability, requestId } from './platform/observability.ts';
import { vehicleRoutes } from './fleet/vehicles/vehicles.routes.ts';
import { technicianRoutes } from './fleet/technicians/technicians.routes.ts';
import { assignmentRoutes } from './fleet/assignments/assignments.routes.ts';
import { loginRoutes } from './users/login.routes.ts';
import { LoginThrottle } from './users/login-throttle.ts';
import { userRoutes } from './users/users.routes.ts';
import { projectRoutes } from './projects/projects/projects.routes.ts';
import { projectAssignmentRoutes } from './projects/assignments/assignments.routes.ts';

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  /** The HS256 key in force: JWT_SECRET, or the one kept in DATA_DIR; undefined for JWKS only. */
  jwtSecret: string | undefined;
  /** false silences request logs (tests); a stream receives them instead of stdout; default stdout. */
  logger?: boolean | { write(line: string): void };
}

export type App = FastifyInstance;

export async function buildApp({ config, database, jwtSecret, logger = true }: AppOptions): Promise<App> {
  const app = Fastify({
    logger: logger === false ? false : loggerOptions(config.logLevel, logger === true ? undefined : logger),
    genReqId: requestId,
    bodyLimit: 1024 * 1024,
    // The client address keys the sign-in throttle: behind a proxy it must come from X-Forwarded-For.
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true },
    // Shut down cleanly: stop accepting, let requests in flight finish.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  installValidators(app);
  app.decorateRequest('principal', null);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  installJsonParser(app);

  // The document sees only the routes registered after it, so it comes first.
  await registerOpenApi(app);
  registerObservability(app, database.ping);

  const db = database.db;
  const verifier = createTokenVerifier({ ...config, jwtSecret });
  const throttle = new LoginThrottle();
  await app.register(loginRoutes, { prefix: '/api/auth', db, jwtSecret, config, throttle });

  await app.register(async (admin) => {
    admin.addHook('onRequest', adminGuard(verifier));
    await admin.register(vehicleRoutes, { prefix: '/api/admin/vehicles', db });
    await admin.register(technicianRoutes, { prefix: '/api/admin/technicians', db });
    await admin.register(assignmentRoutes, { prefix: '/api/admin/assignments', db });
    await admin.register(userRoutes, { prefix: '/api/v1/users', db });
    await admin.register(projectRoutes, { prefix: '/api/v1/projects', db });
    await admin.register(projectAssignmentRoutes, { prefix: '/api/v1/assignments', db });
  });

  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs'));
  return app;
}
