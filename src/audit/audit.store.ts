import { and, desc, eq, lt } from 'drizzle-orm';
import { auditLog } from '../db/schema.ts';
import type { Executor } from '../platform/db.ts';
import type { AuditEntry, AuditLogQuery } from './audit.schemas.ts';

export interface AuditFilter extends Omit<AuditLogQuery, 'cursor'> {
  /** Only entries older than this one. */
  beforeId?: number;
}

/** Newest first; each filter has an index that ends in the id, so a page reads only its rows. */
export async function listEntries(db: Executor, filter: AuditFilter): Promise<AuditEntry[]> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        filter.entityType === undefined ? undefined : eq(auditLog.entityType, filter.entityType),
        filter.entityId === undefined ? undefined : eq(auditLog.entityId, filter.entityId),
        filter.actor === undefined ? undefined : eq(auditLog.actor, filter.actor),
        filter.action === undefined ? undefined : eq(auditLog.action, filter.action),
        filter.beforeId === undefined ? undefined : lt(auditLog.id, filter.beforeId),
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(filter.limit);
  return rows.map((row) => ({ ...row, at: row.at.toISOString() }) as AuditEntry);
}
