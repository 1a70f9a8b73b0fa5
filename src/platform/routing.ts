import type { FastifyInstance, FastifyReply } from 'fastify';
import FindMyWay from 'find-my-way';

/**
 * The router's options, shared by the application and the 405 index so both match paths alike.
 * A path segment may be 1024 characters: an email of 254, percent-encoded, fits.
 */
export const ROUTER_OPTIONS = { ignoreTrailingSlash: true, maxParamLength: 1024 };

/**
 * Which methods the application's routes take on a path, for the 405's Allow header. Fastify
 * answers a known path with an unknown method as not found; a second router, fed the same routes,
 * tells the two cases apart.
 */
export function trackAllowedMethods(app: FastifyInstance): (path: string) => string[] {
  const router = FindMyWay(ROUTER_OPTIONS);
  const methods = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      methods.add(method);
      if (!router.hasRoute(method as 'GET', route.url)) router.on(method as 'GET', route.url, () => {});
    }
  });
  return (path) => [...methods].filter((method) => router.find(method as 'GET', path) !== null).sort();
}

/**
 * Answers with JSON that is already text (written by PostgreSQL), as it is: the route's response
 * schema still documents it, but it is not parsed and serialized again.
 */
export function sendJsonText(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}
