import { Type } from 'typebox';

// Schema pieces both APIs use; each domain's own shapes live in its *.schemas.ts.

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds' });

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
