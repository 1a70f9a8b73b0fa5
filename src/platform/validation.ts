import { Ajv } from 'ajv';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import secureJson from 'secure-json-parse';
import { problems } from './problems.ts';

// ajv-formats is CommonJS: under ESM its default import is module.exports, the plugin is on .default.
const addFormats = addFormatsModule.default;

function ajv(options: Options): Ajv {
  const instance = new Ajv({
    allErrors: true,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
    // `strict: false` turns this off too: JSON.parse reads 1e400 as Infinity, which would pass as a
    // number, be stored (float8 takes it) and make every later answer with it a 500.
    strictNumbers: true,
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
    httpPart === 'body' ? forBody.compile(schema as object) : withDecimalIntegers(schema, forText.compile(schema as object)),
  );
}

const DECIMAL_INTEGER = /^-?[0-9]+$/;

interface ObjectSchema {
  properties?: Record<string, { type?: unknown }>;
}

/**
 * Ajv coerces text to a number the way JavaScript does, so `0x10`, `1e2` and ` 5` would all pass
 * as integers. An id or a limit in a path or query string is written in decimal digits only.
 */
function withDecimalIntegers(schema: unknown, validate: ValidateFunction): ValidateFunction {
  const integers = Object.entries((schema as ObjectSchema).properties ?? {})
    .filter(([, property]) => property.type === 'integer')
    .map(([name]) => name);
  if (integers.length === 0) return validate;
  const strict = ((data: Record<string, unknown> | undefined) => {
    const malformed = integers.filter((name) => typeof data?.[name] === 'string' && !DECIMAL_INTEGER.test(data[name]));
    if (malformed.length > 0) {
      strict.errors = malformed.map((name): ErrorObject => ({
        instancePath: `/${name}`,
        schemaPath: '',
        keyword: 'type',
        params: { type: 'integer' },
        message: 'must be integer',
      }));
      return false;
    }
    const valid = validate(data);
    strict.errors = validate.errors;
    return valid;
  }) as ValidateFunction;
  return strict;
}

/**
 * For routes whose whole body is optional (PATCH …/return): no body is validated as `{}`. An empty
 * text/plain body counts as none too: `fetch(url, { method: 'PATCH', body: '' })` sends one. The
 * JSON body `null` is a body, and not an object: it stays, and validation refuses it.
 */
export async function bodyDefaultsToEmpty(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === '') request.body = {};
}

/**
 * JSON bodies: an empty one (with Content-Type: application/json) is "no body", as for
 * PATCH …/return; keys that would pollute prototypes are refused with their own answer.
 */
export function installJsonParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      const polluting = error instanceof SyntaxError && /prototype/.test(error.message);
      done(polluting ? problems.forbiddenKey() : problems.invalidJson(), undefined);
    }
  });
}
