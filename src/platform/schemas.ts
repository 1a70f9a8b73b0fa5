import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';

// Schema pieces both APIs use; each domain's own shapes live in its *.schemas.ts.

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds' });

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const Uuid = Type.String({ format: 'uuid' });

/** The largest `skip` of a Project API list: deeper offsets cost a scan of every row before them. */
export const MAX_SKIP = 1_000_000;

/** `skip` and `limit` of every Project API list; both optional, the server fills the defaults in. */
export const Page = Type.Object({
  skip: Type.Integer({ minimum: 0, maximum: MAX_SKIP, default: 0, description: 'how many to leave out' }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'how many at most' }),
});
export type Page = Static<typeof Page>;

/**
 * A reference to a named schema: the schema itself is registered once (app.addSchema) and
 * appears once in the OpenAPI document, under components; every use is a `$ref` to it, typed
 * as the schema it stands for.
 */
export function ref<T extends TSchema>(schema: T) {
  const { $id } = schema as { $id?: string };
  if (!$id) throw new Error('a referenced schema needs an $id');
  return Type.Unsafe<Static<T>>(Type.Ref($id));
}
