import type { FastifyInstance } from 'fastify';
import FindMyWay from 'find-my-way';

/** Longest path segment the router takes: an email of 254 characters, percent-encoded, fits. */
export const MAX_PARAM_LENGTH = 1024;

/**
 * Which methods the application's routes take on a path, for the 405's Allow header. Fastify
 * answers a known path with an unknown method as not found; a second router, fed the same routes,
 * tells the two cases apart.
 */
export function trackAllowedMethods(app: FastifyInstance): (path: string) => string[] {
  const router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH });
  const methods = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      methods.add(method);
      if (!router.hasRoute(method as 'GET', route.url)) router.on(method as 'GET', route.url, () => {});
    }
  });
  return (path) => [...methods].filter((method) => router.find(method as 'GET', path) !== null).sort();
}
