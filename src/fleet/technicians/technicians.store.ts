import { and, asc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { technicians } from '../../db/schema.ts';
import type { Executor } from '../../platform/db.ts';
import type { CreateTechnician, UpdateTechnician, Technician } from './technicians.schemas.ts';

// Written out by hand: Drizzle leaves column names unqualified in a single-table query, and an
// unqualified "id" inside this subquery would mean the assignment's id.
const activeAssignment = sql<number | null>`(
  select active.id from assignments active
  where active.technician_id = technicians.id and active.status = 'active')`;

/** The API object's columns (an assignment nests the same object, written in SQL by assignments.store.ts). */
const technicianColumns = {
  id: technicians.id,
  name: technicians.name,
  email: technicians.email,
  phone: technicians.phone,
  createdAt: technicians.createdAt,
  updatedAt: technicians.updatedAt,
  activeAssignmentId: activeAssignment.as('active_assignment_id'),
};

type TechnicianRow = Omit<Technician, 'createdAt' | 'updatedAt'> & { createdAt: Date; updatedAt: Date };

function toTechnician(row: TechnicianRow): Technician {
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export async function listTechnicians(db: Executor, filter: { available?: boolean }): Promise<Technician[]> {
  const availability =
    filter.available === undefined ? undefined : filter.available ? isNull(activeAssignment) : isNotNull(activeAssignment);
  const rows = await db
    .select(technicianColumns)
    .from(technicians)
    .where(and(isNull(technicians.retiredAt), availability))
    .orderBy(asc(technicians.id));
  return rows.map(toTechnician);
}

/** The technician in service; `lock` holds it (FOR UPDATE) until the transaction ends. */
export async function findTechnician(db: Executor, id: number, options: { lock?: boolean } = {}): Promise<Technician | undefined> {
  const query = db
    .select(technicianColumns)
    .from(technicians)
    .where(and(eq(technicians.id, id), isNull(technicians.retiredAt)));
  const [row] = options.lock ? await query.for('update') : await query;
  return row && toTechnician(row);
}

/** Whether the id was ever a technician's: in service or retired. */
export async function technicianEverExisted(db: Executor, id: number): Promise<boolean> {
  const [row] = await db.select({ id: technicians.id }).from(technicians).where(eq(technicians.id, id));
  return row !== undefined;
}

export async function insertTechnician(db: Executor, input: CreateTechnician): Promise<number> {
  const [row] = await db.insert(technicians).values(input).returning({ id: technicians.id });
  return row!.id;
}

/** Returns false when no technician in service has this id. */
export async function updateTechnician(db: Executor, id: number, changes: UpdateTechnician): Promise<boolean> {
  const rows = await db
    .update(technicians)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(eq(technicians.id, id), isNull(technicians.retiredAt)))
    .returning({ id: technicians.id });
  return rows.length > 0;
}
