import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under ESM its default import is module.exports, the plugin is on .default.
const addFormats = addFormatsModule.default;

/**
 * The served OpenAPI document is the contract: every response a test receives is checked against
 * it here, so the document cannot say one thing while the server does another.
 */

export interface MediaType {
  schema?: object;
}
export interface ResponseObject {
  $ref?: string;
  description?: string;
  content?: Record<string, MediaType>;
}
export interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean; schema?: object }[];
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
  responses?: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object>; responses?: Record<string, ResponseObject> };
}

/** What the check reads of a response: a light-my-request response, or one rebuilt from fetch. */
export interface ResponseLike {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export class ContractError extends Error {
  override name = 'ContractError';
}

export interface Contract {
  readonly document: OpenApiDocument;
  /** The ways this response breaks the document; empty when it keeps it. */
  mismatches(method: string, url: string, response: ResponseLike): string[];
  /** Throws a ContractError naming the request, the status and every mismatch. */
  check(method: string, url: string, response: ResponseLike): void;
}

const DOCUMENT_ID = 'https://contract.allot.test/openapi.json';

// Keywords of the OpenAPI document (and of OpenAPI's schema dialect) that are not JSON Schema: the
// whole document is added to Ajv as one schema so that `#/components/...` references resolve, and
// strict mode must know these are annotations, not typos.
const OPENAPI_KEYWORDS = [
  'openapi',
  'info',
  'jsonSchemaDialect',
  'servers',
  'paths',
  'webhooks',
  'components',
  'security',
  'tags',
  'externalDocs',
  'example',
  'discriminator',
  'xml',
];

const contracts = new Map<string, Contract>();

/** The contract of a document; documents equal as JSON share one compiled contract. */
export function contractOf(document: OpenApiDocument): Contract {
  const key = JSON.stringify(document);
  let contract = contracts.get(key);
  if (!contract) {
    contract = createContract(JSON.parse(key) as OpenApiDocument);
    contracts.set(key, contract);
  }
  return contract;
}

function createContract(document: OpenApiDocument): Contract {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats(ajv);
  ajv.addVocabulary(OPENAPI_KEYWORDS);
  ajv.addSchema(document, DOCUMENT_ID);

  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string[]): ValidateFunction => {
    const ref = `${DOCUMENT_ID}#/${pointer.map(escapePointer).join('/')}`;
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      validators.set(ref, validate);
    }
    return validate;
  };

  const templates = Object.keys(document.paths).map((template) => ({ template, segments: segmentsOf(template).map(segmentPattern) }));
  const problemSchema = problemSchemaPointer(document);

  function matchPath(pathname: string): string | undefined {
    const segments = segmentsOf(pathname);
    const matches = templates.filter(
      (t) => t.segments.length === segments.length && t.segments.every((s, i) => s.pattern.test(segments[i]!)),
    );
    // A literal segment wins over a parameter, as in the router: /assignments/bulk is not /assignments/{id}.
    matches.sort((a, b) => specificity(a.segments).localeCompare(specificity(b.segments)));
    return matches[0]?.template;
  }

  function mismatches(method: string, url: string, response: ResponseLike): string[] {
    const verb = method.toLowerCase();
    const template = matchPath(pathnameOf(url));
    const pathItem = template === undefined ? undefined : document.paths[template];
    // Fastify answers HEAD for every GET route; the document describes the GET.
    const operationVerb = verb === 'head' && pathItem && !pathItem.head ? 'get' : verb;
    const operation = pathItem?.[operationVerb];
    const status = response.statusCode;

    if (!template || !operation) {
      if (status >= 400) return undocumentedError(response);
      // Non-errors of undocumented paths (the /docs page and its assets, the console at / and /assets/) are not the API's.
      if (!template) return [];
      return [
        `${method.toUpperCase()} ${template} answered ${status}, but the document has no ${method.toUpperCase()} operation on this path`,
      ];
    }

    const where = ['paths', template, operationVerb, 'responses'];
    const responses = operation.responses ?? {};
    const code = [String(status), `${String(status)[0]}XX`, 'default'].find((c) => c in responses);
    if (code === undefined) {
      return [
        `status ${status} is not documented for ${operationVerb.toUpperCase()} ${template} (documented: ${Object.keys(responses).join(', ')})`,
      ];
    }
    let documented = responses[code]!;
    let pointer = [...where, code];
    if (documented.$ref) {
      pointer = documented.$ref.replace(/^#\//, '').split('/').map(unescapePointer);
      documented = resolvePointer(document, pointer) as ResponseObject;
    }
    const found: string[] = [];
    const mediaTypes = Object.keys(documented.content ?? {});
    const empty = response.body.length === 0;

    if (status === 204 || status === 304) {
      if (mediaTypes.length > 0)
        found.push(`the document gives the ${status} response content (${mediaTypes.join(', ')}); a ${status} has no body`);
      if (!empty) found.push(`a ${status} response has a body: ${snippet(response.body)}`);
      return found;
    }
    if (mediaTypes.length === 0) {
      if (!empty) found.push(`the document gives status ${status} no content, but the response has a body: ${snippet(response.body)}`);
      return found;
    }
    if (verb === 'head') return found;
    if (empty) return [`the response body is empty; the document gives status ${status} content ${mediaTypes.join(', ')}`];

    const contentType = headerOf(response, 'content-type');
    if (!contentType) return [`the response has a body but no Content-Type; documented: ${mediaTypes.join(', ')}`];
    const mediaType = matchMediaType(contentType, mediaTypes);
    if (!mediaType) return [`Content-Type ${contentType} is not documented for status ${status} (documented: ${mediaTypes.join(', ')})`];
    if (!documented.content![mediaType]!.schema) return found;
    return checkBody(response, contentType, validatorAt([...pointer, 'content', mediaType, 'schema']));
  }

  function undocumentedError(response: ResponseLike): string[] {
    const contentType = headerOf(response, 'content-type');
    if (!contentType || mediaTypeOf(contentType) !== 'application/problem+json') {
      return [
        `an error of a route the document does not describe must be application/problem+json, not ${contentType ?? 'no Content-Type'}`,
      ];
    }
    if (!problemSchema) return ['the document defines no application/problem+json schema to check the error against'];
    return checkBody(response, contentType, validatorAt(problemSchema));
  }

  function checkBody(response: ResponseLike, contentType: string, validate: ValidateFunction): string[] {
    const mediaType = mediaTypeOf(contentType);
    let body: unknown = response.body;
    if (isJson(mediaType)) {
      try {
        body = JSON.parse(response.body);
      } catch {
        return [`the body is not JSON although the Content-Type is ${contentType}: ${snippet(response.body)}`];
      }
    }
    const found = validate(body) ? [] : (validate.errors ?? []).map(describeError);
    if (mediaType === 'application/problem+json' && typeof body === 'object' && body !== null) {
      const stated = (body as { status?: unknown }).status;
      if (stated !== response.statusCode)
        found.push(`the problem's status member is ${String(stated)}, the response's status ${response.statusCode}`);
    }
    return found;
  }

  return {
    document,
    mismatches,
    check(method, url, response) {
      const found = mismatches(method, url, response);
      if (found.length === 0) return;
      throw new ContractError(
        `${method.toUpperCase()} ${url} → ${response.statusCode} does not keep the OpenAPI document:\n` +
          found.map((m) => `  - ${m}`).join('\n') +
          `\n  body: ${snippet(response.body)}`,
      );
    },
  };
}

/**
 * fetch, with the response checked against the contract: for the tests that need real sockets.
 * The returned response's body is still unread.
 */
export async function checkedFetch(contract: Contract, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  const body = await response.clone().text();
  contract.check(init.method ?? 'GET', url, { statusCode: response.status, headers: Object.fromEntries(response.headers), body });
  return response;
}

/** The path of the document that owns the Problem schema: components.schemas.Problem, else any problem+json response. */
function problemSchemaPointer(document: OpenApiDocument): string[] | undefined {
  if (document.components?.schemas?.Problem) return ['components', 'schemas', 'Problem'];
  for (const [template, pathItem] of Object.entries(document.paths)) {
    for (const [verb, operation] of Object.entries(pathItem)) {
      for (const [code, response] of Object.entries(operation.responses ?? {})) {
        if (response.content?.['application/problem+json']?.schema) {
          return ['paths', template, verb, 'responses', code, 'content', 'application/problem+json', 'schema'];
        }
      }
    }
  }
  return undefined;
}

function describeError(error: ErrorObject): string {
  const at = `body${error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `${at} has a property the document does not list: ${String(params.additionalProperty)}`;
  if (error.keyword === 'required') return `${at} lacks the required property ${String(params.missingProperty)}`;
  return `${at} ${error.message ?? error.keyword} (schema ${error.schemaPath})`;
}

function pathnameOf(url: string): string {
  return new URL(url, 'http://localhost').pathname;
}

/** Path segments without the trailing slash, which the server ignores. */
function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment, i, all) => i > 0 && (segment !== '' || i < all.length - 1));
}

function segmentPattern(segment: string): { pattern: RegExp; parameters: number } {
  const parts = segment.split(/(\{[^}]+\})/).filter(Boolean);
  const source = parts.map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return { pattern: new RegExp(`^${source}$`), parameters: parts.filter((part) => part.startsWith('{')).length };
}

const specificity = (segments: { parameters: number }[]) => segments.map((s) => (s.parameters > 0 ? '1' : '0')).join('');

function headerOf(response: ResponseLike, name: string): string | undefined {
  const value = response.headers[name];
  return value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);
}

const mediaTypeOf = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

function matchMediaType(contentType: string, documented: string[]): string | undefined {
  const actual = mediaTypeOf(contentType);
  const [type] = actual.split('/');
  return (
    documented.find((m) => m.toLowerCase() === actual) ??
    documented.find((m) => m.toLowerCase() === `${type}/*`) ??
    documented.find((m) => m === '*/*')
  );
}

const escapePointer = (token: string) => encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1'));
const unescapePointer = (token: string) => decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');

function resolvePointer(root: unknown, pointer: string[]): unknown {
  return pointer.reduce<unknown>((node, token) => (node as Record<string, unknown> | undefined)?.[token], root);
}

const snippet = (body: string) => (body.length > 400 ? `${body.slice(0, 400)}…` : body || '(empty)');
