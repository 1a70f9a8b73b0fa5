import { desc, eq, sql } from 'drizzle-orm';
import { projects } from '../../db/schema.ts';
import type { Executor } from '../../platform/db.ts';
import type { Page } from '../../platform/schemas.ts';
import type { CreateProject, Project, UpdateProject } from './projects.schemas.ts';

/** The API object's columns, in the published field order; assignments nest the same object. */
export const projectColumns = {
  project_id: projects.projectId,
  project_name: projects.projectName,
  project_start_date: projects.projectStartDate,
  project_end_date: projects.projectEndDate,
  country: projects.country,
  project_description: projects.projectDescription,
  project_type: projects.projectType,
  total_area: projects.totalArea,
  area_unit: projects.areaUnit,
  project_developer: projects.projectDeveloper,
  crediting_period: projects.creditingPeriod,
  registry: projects.registry,
  sdg: projects.sdg,
  owner_user_id: projects.ownerUserId,
  project_status: projects.projectStatus,
  has_carbon_module: projects.hasCarbonModule,
  has_biodiversity_module: projects.hasBiodiversityModule,
  has_environmental_module: projects.hasEnvironmentalModule,
  created_at: projects.createdAt,
  updated_at: projects.updatedAt,
  site_count: projects.siteCount,
};

export type ProjectRow = Omit<Project, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date };

export function toProject(row: ProjectRow): Project {
  return { ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

type ProjectRecord = Partial<typeof projects.$inferInsert>;

/** API field names → columns; undefined (not sent) leaves a column to its default or unchanged. */
function toRecord(input: UpdateProject): ProjectRecord {
  return {
    projectName: input.project_name,
    projectStartDate: input.project_start_date,
    projectEndDate: input.project_end_date,
    country: input.country,
    projectDescription: input.project_description,
    projectType: input.project_type,
    totalArea: input.total_area,
    areaUnit: input.area_unit,
    projectDeveloper: input.project_developer,
    creditingPeriod: input.crediting_period,
    registry: input.registry,
    sdg: input.sdg,
    ownerUserId: input.owner_user_id,
    projectStatus: input.project_status,
    hasCarbonModule: input.has_carbon_module,
    hasBiodiversityModule: input.has_biodiversity_module,
    hasEnvironmentalModule: input.has_environmental_module,
    siteCount: input.site_count,
  };
}

export async function listProjects(db: Executor, page: Page): Promise<Project[]> {
  const rows = await db
    .select(projectColumns)
    .from(projects)
    .orderBy(desc(projects.createdAt), desc(projects.projectId))
    .offset(page.skip)
    .limit(page.limit);
  return rows.map(toProject);
}

/** `lock` holds the row (FOR UPDATE) until the transaction ends. */
export async function findProject(db: Executor, projectId: string, options: { lock?: boolean } = {}): Promise<Project | undefined> {
  const query = db.select(projectColumns).from(projects).where(eq(projects.projectId, projectId));
  const [row] = options.lock ? await query.for('update') : await query;
  return row && toProject(row);
}

export async function insertProject(db: Executor, input: CreateProject): Promise<Project> {
  const [row] = await db
    .insert(projects)
    .values({ ...toRecord(input), projectName: input.project_name })
    .returning(projectColumns);
  return toProject(row!);
}

export async function updateProject(db: Executor, projectId: string, input: UpdateProject): Promise<Project | undefined> {
  const [row] = await db
    .update(projects)
    .set({ ...toRecord(input), updatedAt: sql`now()` })
    .where(eq(projects.projectId, projectId))
    .returning(projectColumns);
  return row && toProject(row);
}

/** The project as it was, or undefined when there was none. */
export async function deleteProject(db: Executor, projectId: string): Promise<Project | undefined> {
  const [row] = await db.delete(projects).where(eq(projects.projectId, projectId)).returning(projectColumns);
  return row && toProject(row);
}
