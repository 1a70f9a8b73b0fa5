import { Ajv } from 'ajv';
import type { Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';

// ajv-formats is CommonJS: under ESM its default import is module.exports, the plugin is on .default.
const addFormats = addFormatsModule.default;

function ajv(options: Options): Ajv {
  const instance = new Ajv({
    allErrors: true,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
    ...options,
  });
  addFormats(instance);
  return instance;
}

/**
 * Fastify's own Ajv coerces and strips everywhere, the body included: `{"vehicleId":"42","x":1}`
 * would pass as `{vehicleId:42}`. A JSON body is typed already, so it is checked as sent; the
 * query string and path are text, so their numbers and booleans are coerced.
 */
export function installValidators(app: FastifyInstance): void {
  const forBody = ajv({ coerceTypes: false });
  const forText = ajv({ coerceTypes: 'array' });
  app.setValidatorCompiler<FastifySchema>(({ schema, httpPart }) =>
    (httpPart === 'body' ? forBody : forText).compile(schema as object),
  );
}

/**
 * For routes whose whole body is optional (PATCH …/return): no body is validated as `{}`. An empty
 * text/plain body counts as none too: `fetch(url, { method: 'PATCH', body: '' })` sends one.
 */
export async function bodyDefaultsToEmpty(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null || request.body === '') request.body = {};
}
