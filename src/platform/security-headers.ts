import type { FastifyInstance } from 'fastify';

/**
 * Headers every answer carries. The API's answers are never cached (they hold tokens and
 * people's data, and go stale at the next change) and never rendered as a page: no type sniffing,
 * no framing, no referrer, and for JSON a policy that lets nothing load. The reference page at
 * /docs runs Swagger UI's own scripts, so it gets only the framing and referrer rules.
 */
const EVERY_ANSWER = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
const API_ANSWER = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(EVERY_ANSWER);
    if (request.url.startsWith('/api/')) reply.headers(API_ANSWER);
  });
}
