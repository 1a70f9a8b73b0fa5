import { expect } from 'vitest';

/** A Content-Security-Policy header as its directives: `{ 'default-src': ["'self'"], … }`. */
export function directives(header: unknown): Record<string, string[]> {
  expect(header, 'a Content-Security-Policy header').toEqual(expect.any(String));
  const policy: Record<string, string[]> = {};
  for (const directive of String(header).split(';')) {
    const [name, ...values] = directive.trim().split(/\s+/);
    if (name) policy[name] = values;
  }
  return policy;
}
