import { Type } from 'typebox';

/** The fleet's ids are PostgreSQL integers: 1 … 2^31-1. */
export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: Id });

/** Text a person typed: at least one non-space character, bounded. */
export const Text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', ...(description ? { description } : {}) });
