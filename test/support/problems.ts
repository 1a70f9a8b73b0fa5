import { expect } from 'vitest';
import type { FieldError, ProblemBody } from '../../src/platform/problems.ts';
import type { ResponseLike } from './contract.ts';

export type { FieldError, ProblemBody };

/**
 * What expectProblem reads of a response: light-my-request's (`app.inject`) as it is, or a fetch
 * answer read by `readResponse`.
 */
export type { ResponseLike } from './contract.ts';

/** A fetch Response, read once, in the shape of light-my-request's. */
export async function readResponse(response: Response): Promise<ResponseLike> {
  return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

const PROBLEM_KEYS = ['detail', 'errors', 'requestId', 'status', 'title', 'type'];

/**
 * Checks that `response` is the problem `slug` with this status: the status code, the
 * `application/problem+json` content type, the body `{ type, title, status, detail }` (plus
 * `errors` and `requestId` where they belong, nothing else), `type` `/problems/<slug>`. Returns
 * the body, for the checks of `detail` or `errors` that only the caller knows.
 */
export function expectProblem(response: ResponseLike, status: number, slug: string): ProblemBody {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type'], response.body).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.body) as ProblemBody;
  expect(body.type, response.body).toBe(`/problems/${slug}`);
  expect(
    Object.keys(body).filter((key) => !PROBLEM_KEYS.includes(key)),
    response.body,
  ).toEqual([]);
  expect(body).toMatchObject({ title: expect.any(String), status, detail: expect.any(String) });
  expect(body.title).not.toBe('');
  expect(body.detail).not.toBe('');
  if (body.errors !== undefined || slug === 'validation') {
    // A validation problem names at least one bad field; every entry is exactly { path, message }.
    expect(Array.isArray(body.errors), response.body).toBe(true);
    expect(body.errors!.length, response.body).toBeGreaterThan(0);
    for (const error of body.errors!) {
      expect(Object.keys(error).sort()).toEqual(['message', 'path']);
      expect(error).toEqual({ path: expect.stringMatching(/^\/(body|query|path|headers)(\/|$)/), message: expect.any(String) });
    }
  }
  // An internal error gives the request id to quote; nothing else needs one.
  if (status === 500 || body.requestId !== undefined) expect(body.requestId).toEqual(expect.any(String));
  // RFC 9110: a 401 names the scheme that would be accepted.
  if (status === 401) expect(response.headers['www-authenticate'], response.body).toMatch(/^Bearer\b/);
  return body;
}
