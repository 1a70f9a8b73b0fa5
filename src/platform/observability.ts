import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController } from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Type } from 'typebox';
import { errors } from './openapi.ts';
import { Problem, problems } from './problems.ts';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A caller's own X-Request-Id is kept when it is a sane token, so their logs and ours line up. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export function loggerOptions(level: string, stream?: { write(line: string): void }): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password', 'token', '*.token'],
      censor: '[redacted]',
    },
    serializers: {
      req: (request: { method: string; url: string; ip?: string; id?: string }) => ({
        method: request.method,
        // The path only: a query string may hold anything a client put there (?jwt=, ?pwd=…), and
        // no list of names to blank can know them all.
        url: request.url.split('?', 1)[0],
        remoteAddress: request.ip,
      }),
    },
  };
}

interface RequestState {
  started: number;
  /** What was thrown, when it was not a Problem (an answer chosen on purpose). */
  failure?: unknown;
  written: boolean;
}
// From the moment Fastify sees a request until its log line is written.
const requestStates = new WeakMap<FastifyRequest, RequestState>();

function stateOf(request: FastifyRequest): RequestState {
  const known = requestStates.get(request);
  if (known) return known;
  const state: RequestState = { started: performance.now(), written: false };
  requestStates.set(request, state);
  return state;
}

/**
 * One log line per request, written once the response is sent: method, url and client address
 * (the `req` serializer), status code, response time, and the request id (`reqId`, bound by
 * Fastify). Fastify's own pair of lines ("incoming request", "request completed") doubled the
 * volume and split who asked from what they got. An unexpected error travels on its request's line
 * (`err`, level error) instead of on a line of its own; a deliberate 5xx (a Problem) is a warning.
 */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    stateOf(request);
    // Requests the router refuses (frameworkErrors) never reach requestCompleted, nor do those the
    // client gives up on; every response closes.
    reply.raw.once('close', () => writeRequestLine(request, reply));
  }

  override requestCompleted(streamError: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (streamError) stateOf(request).failure = streamError;
    writeRequestLine(request, reply);
  }

  // A streamed body (the /docs files) that breaks: on the request's line, not on one of its own.
  override streamError(error: Error & { code?: string }, request: FastifyRequest): void {
    // A client that leaves mid-download is an aborted request, not a failure.
    if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') stateOf(request).failure = error;
  }
}

function writeRequestLine(request: FastifyRequest, reply: FastifyReply): void {
  const state = stateOf(request);
  if (state.written) return;
  state.written = true;
  const responseTime = performance.now() - state.started;
  // Ended: the whole answer was handed to the connection; else the client left before it.
  const sent = reply.raw.writableEnded;
  const err = sent && reply.statusCode < 500 ? undefined : state.failure;
  const line = {
    req: request,
    ...(sent ? { res: reply } : { aborted: true }),
    responseTime,
    ...(err === undefined ? {} : { err }),
  };
  if (err !== undefined) reply.log.error(line, 'request failed');
  else if (!sent) reply.log.info(line, 'request aborted before its response was sent');
  else if (reply.statusCode >= 500) reply.log.warn(line, 'request completed');
  else reply.log.info(line, 'request completed');
}

/**
 * What /metrics shows on the public port: everything but nodejs_version_info, whose exact Node
 * version tells anyone who can reach the port which published vulnerabilities to try. A port of
 * its own (METRICS_PORT), which only the monitoring should reach, shows it all.
 */
function publicView(registry: Registry): Registry {
  const exposed = Registry.merge([registry]);
  exposed.removeSingleMetric('nodejs_version_info');
  return exposed;
}

/**
 * Request ids, the request log, /healthz and /readyz, and /metrics: on the app, or on
 * `metricsListener` alone when it is given (METRICS_PORT), so the public port does not serve it.
 */
export function registerObservability(app: FastifyInstance, ping: () => Promise<void>, metricsListener: FastifyInstance | null): void {
  // Once shutdown begins, a request on a kept-alive connection is told to go elsewhere, as problem+json.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) throw problems.shuttingDown();
  });
  // Problems are answers chosen on purpose; anything else that is thrown is kept for the log line.
  app.addHook('onError', async (request, _reply, error) => {
    if (!(error instanceof Problem)) stateOf(request).failure = error;
  });

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request durations by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids in paths would make the label set unbounded.
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    durations.observe(labels, reply.elapsedTime / 1000);
  });

  const Status = Type.Object({ status: Type.String() });
  app.get(
    '/healthz',
    { schema: { operationId: 'getHealth', tags: ['service'], summary: 'The process runs', response: { 200: Status } } },
    async () => ({
      status: 'ok',
    }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['service'],
        summary: 'The database answers',
        response: { 200: Status, ...errors(503) },
      },
    },
    async (request) => {
      try {
        await ping();
        return { status: 'ready' };
      } catch (error) {
        // The database's own error goes on the 503's log line.
        stateOf(request).failure = error;
        throw problems.notReady();
      }
    },
  );
  if (metricsListener) {
    metricsListener.get('/metrics', async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
    return;
  }
  const exposed = publicView(registry);
  const metricsResponse = {
    200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: Type.String() } } },
  };
  app.get(
    '/metrics',
    { schema: { operationId: 'getMetrics', tags: ['service'], summary: 'Prometheus metrics', response: metricsResponse } },
    async (_request, reply) => {
      reply.type(exposed.contentType);
      return exposed.metrics();
    },
  );
}
