import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

// Millisecond precision: the API shows milliseconds, and a cursor built from a timestamp must
// compare equal to the stored value, which microseconds would break.
const timestamptz = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });
const createdAt = () => timestamptz('created_at').notNull().defaultNow();
const updatedAt = () => timestamptz('updated_at').notNull().defaultNow();

// ---------------------------------------------------------------------------------------------
// Fleet
// ---------------------------------------------------------------------------------------------

export const vehicles = pgTable(
  'vehicles',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    plateNumber: text('plate_number').notNull(),
    make: text('make'),
    model: text('model'),
    year: integer('year'),
    vin: text('vin'),
    /** The last reading handed over or taken back; a new reading may not be below it. */
    odometer: integer('odometer'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // A vehicle with assignment history is retired instead of deleted, so the history stays whole.
    retiredAt: timestamptz('retired_at'),
  },
  (t) => [
    // Plates and VINs identify a vehicle in service; a retired vehicle gives its plate back.
    uniqueIndex('vehicles_plate_number_key')
      .on(sql`lower(${t.plateNumber})`)
      .where(sql`${t.retiredAt} is null`),
    uniqueIndex('vehicles_vin_key')
      .on(sql`lower(${t.vin})`)
      .where(sql`${t.retiredAt} is null`),
    check('vehicles_odometer_check', sql`${t.odometer} >= 0`),
  ],
);

export const technicians = pgTable(
  'technicians',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    phone: text('phone'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    retiredAt: timestamptz('retired_at'),
  },
  (t) => [
    uniqueIndex('technicians_email_key')
      .on(sql`lower(${t.email})`)
      .where(sql`${t.retiredAt} is null`),
  ],
);

export const assignments = pgTable(
  'assignments',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    vehicleId: integer('vehicle_id')
      .notNull()
      .references(() => vehicles.id, { onDelete: 'restrict' }),
    technicianId: integer('technician_id')
      .notNull()
      .references(() => technicians.id, { onDelete: 'restrict' }),
    status: text('status', { enum: ['active', 'returned'] })
      .notNull()
      .default('active'),
    assignedAt: timestamptz('assigned_at').notNull().defaultNow(),
    returnedAt: timestamptz('returned_at'),
    assignedBy: text('assigned_by').notNull(),
    returnedBy: text('returned_by'),
    notes: text('notes'),
    expectedReturnAt: timestamptz('expected_return_at'),
    startOdometer: integer('start_odometer'),
    endOdometer: integer('end_odometer'),
  },
  (t) => [
    // The one-active rules: the database, not the application, decides who wins a race.
    uniqueIndex('assignments_one_active_per_vehicle')
      .on(t.vehicleId)
      .where(sql`${t.status} = 'active'`),
    uniqueIndex('assignments_one_active_per_technician')
      .on(t.technicianId)
      .where(sql`${t.status} = 'active'`),
    index('assignments_assigned_at_idx').on(t.assignedAt.desc(), t.id.desc()),
    index('assignments_vehicle_idx').on(t.vehicleId, t.assignedAt.desc(), t.id.desc()),
    index('assignments_technician_idx').on(t.technicianId, t.assignedAt.desc(), t.id.desc()),
    // The overdue list, most overdue first: active assignments by their due date.
    index('assignments_due_idx')
      .on(t.expectedReturnAt, t.id)
      .where(sql`${t.status} = 'active' and ${t.expectedReturnAt} is not null`),
    index('assignments_returned_at_idx').on(t.returnedAt),
    check('assignments_odometer_check', sql`${t.startOdometer} >= 0 and ${t.endOdometer} >= 0 and ${t.endOdometer} >= ${t.startOdometer}`),
    check('assignments_status_check', sql`${t.status} in ('active', 'returned')`),
    check(
      'assignments_returned_consistency',
      sql`(${t.status} = 'active') = (${t.returnedAt} is null) and (${t.status} = 'active') = (${t.returnedBy} is null)`,
    ),
  ],
);

/**
 * A vehicle booked for a technician over [startsAt, endsAt). Two reservations that are not
 * cancelled may not overlap for the same vehicle or the same technician: an exclusion constraint
 * (migrations/0008_reservations_no_overlap.sql, which drizzle-kit cannot express) decides races.
 */
export const reservations = pgTable(
  'reservations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    vehicleId: integer('vehicle_id')
      .notNull()
      .references(() => vehicles.id, { onDelete: 'restrict' }),
    technicianId: integer('technician_id')
      .notNull()
      .references(() => technicians.id, { onDelete: 'restrict' }),
    startsAt: timestamptz('starts_at').notNull(),
    endsAt: timestamptz('ends_at').notNull(),
    status: text('status', { enum: ['booked', 'started', 'cancelled'] })
      .notNull()
      .default('booked'),
    assignmentId: integer('assignment_id').references(() => assignments.id, { onDelete: 'restrict' }),
    /**
     * When the started reservation's assignment was returned, recorded at the next booking of either
     * party: its hours from then on are free.
     */
    releasedAt: timestamptz('released_at'),
    notes: text('notes'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('reservations_vehicle_idx').on(t.vehicleId, t.startsAt),
    index('reservations_technician_idx').on(t.technicianId, t.startsAt),
    index('reservations_starts_at_idx').on(t.startsAt, t.id),
    index('reservations_assignment_idx')
      .on(t.assignmentId)
      .where(sql`${t.assignmentId} is not null`),
    check('reservations_status_check', sql`${t.status} in ('booked', 'started', 'cancelled')`),
    check('reservations_interval_check', sql`${t.startsAt} < ${t.endsAt}`),
    check('reservations_started_assignment', sql`(${t.status} = 'started') = (${t.assignmentId} is not null)`),
  ],
);

// ---------------------------------------------------------------------------------------------
// People and projects
// ---------------------------------------------------------------------------------------------

export const users = pgTable(
  'users',
  {
    userId: uuid('user_id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    role: text('role').array().notNull(),
    status: text('status', { enum: ['active', 'inactive'] })
      .notNull()
      .default('active'),
    isEmailVerified: boolean('is_email_verified').notNull().default(false),
    passwordHash: text('password_hash'),
    /**
     * Raised whenever the password is set or removed. A token from sign-in carries the version it
     * was issued at, and stops working once the two differ.
     */
    tokenVersion: integer('token_version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    // The organization (everything after the last '@', lower-cased), as the projects-by-organization list asks for it.
    index('users_organization_idx').on(sql`lower(regexp_replace(${t.email}, '^.*@', ''))`),
    index('users_created_at_idx').on(t.createdAt.desc()),
    check('users_status_check', sql`${t.status} in ('active', 'inactive')`),
    check('users_role_not_empty', sql`cardinality(${t.role}) > 0`),
  ],
);

export const projects = pgTable(
  'projects',
  {
    projectId: uuid('project_id').primaryKey().defaultRandom(),
    projectName: text('project_name').notNull(),
    projectStartDate: date('project_start_date', { mode: 'string' }),
    projectEndDate: date('project_end_date', { mode: 'string' }),
    country: text('country'),
    projectDescription: text('project_description'),
    projectType: text('project_type'),
    totalArea: doublePrecision('total_area'),
    areaUnit: text('area_unit'),
    projectDeveloper: text('project_developer'),
    creditingPeriod: text('crediting_period'),
    registry: text('registry'),
    sdg: text('sdg')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    ownerUserId: uuid('owner_user_id').references(() => users.userId, { onDelete: 'restrict' }),
    projectStatus: text('project_status').notNull().default('active'),
    hasCarbonModule: boolean('has_carbon_module').notNull().default(false),
    hasBiodiversityModule: boolean('has_biodiversity_module').notNull().default(false),
    hasEnvironmentalModule: boolean('has_environmental_module').notNull().default(false),
    siteCount: integer('site_count').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('projects_owner_idx').on(t.ownerUserId),
    index('projects_created_at_idx').on(t.createdAt.desc()),
    check(
      'projects_dates_ordered',
      sql`${t.projectEndDate} is null or ${t.projectStartDate} is null or ${t.projectEndDate} >= ${t.projectStartDate}`,
    ),
    check('projects_total_area_non_negative', sql`${t.totalArea} is null or ${t.totalArea} >= 0`),
    check('projects_site_count_non_negative', sql`${t.siteCount} >= 0`),
  ],
);

export const projectAssignments = pgTable(
  'project_assignments',
  {
    assignmentId: uuid('assignment_id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.userId, { onDelete: 'restrict' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.projectId, { onDelete: 'restrict' }),
    // The capacity the user fills: one Dev and one Employee per project.
    assignedAs: text('assigned_as', { enum: ['Dev', 'Employee'] }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // Created before the capacity index so that, for a pair already assigned, PostgreSQL reports
    // this one: "already assigned" is the more precise answer.
    uniqueIndex('project_assignments_user_project_key').on(t.userId, t.projectId),
    uniqueIndex('project_assignments_one_per_role').on(t.projectId, t.assignedAs),
    index('project_assignments_created_at_idx').on(t.createdAt.desc()),
    check('project_assignments_assigned_as_check', sql`${t.assignedAs} in ('Dev', 'Employee')`),
  ],
);

/**
 * Keys the server makes once and every replica shares (the one that signs pagination cursors):
 * kept in the database, so that a cursor made by one replica is good on another and after a restart.
 */
export const serverKeys = pgTable('server_keys', {
  name: text('name').primaryKey(),
  key: text('key').notNull(),
  createdAt: createdAt(),
});

// ---------------------------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------------------------

/**
 * One entry per change, written in the transaction of the change. Append-only: a trigger of the
 * migration refuses UPDATE, DELETE and TRUNCATE. Each filter of GET /api/admin/audit-log has its
 * index, ordered like the list (newest id first).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamptz('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    /** Who vouched for the actor: `allot` for a token this server signed, else the provider's `iss`; null for sign-ins. */
    actorIssuer: text('actor_issuer'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    requestId: text('request_id').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
  },
  (t) => [
    index('audit_log_entity_idx').on(t.entityType, t.entityId, t.id.desc()),
    index('audit_log_actor_idx').on(t.actor, t.id.desc()),
    index('audit_log_action_idx').on(t.action, t.id.desc()),
  ],
);

// ---------------------------------------------------------------------------------------------
// Idempotency keys
// ---------------------------------------------------------------------------------------------

/**
 * The first response to each (caller, Idempotency-Key), kept 24 hours so that a retry gets it
 * again. A row with a null status is a request still running: `locked_until` bounds how long the
 * others wait for it before they may take the key over (when the server running it died first),
 * and `applied`, set in the change's own transaction by its owner only, says the change was made.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    subject: text('subject').notNull(),
    key: text('key').notNull(),
    /** A hash of method, path and body: the same key with another request is refused. */
    fingerprint: text('fingerprint').notNull(),
    /** Made by the server for the request that holds the key: only it may mark it applied. */
    owner: uuid('owner').notNull(),
    /** The X-Request-Id of that request, which its audit entries carry. */
    requestId: text('request_id').notNull(),
    applied: boolean('applied').notNull().default(false),
    lockedUntil: timestamptz('locked_until').notNull(),
    status: integer('status'),
    headers: jsonb('headers').$type<Record<string, string>>(),
    body: text('body'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.subject, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

// ---------------------------------------------------------------------------------------------
// Sign-in throttle
// ---------------------------------------------------------------------------------------------

/**
 * Failed sign-ins counted per key in fixed 15-minute windows, shared by every replica. A key is
 * `address:` and the client address (an IPv6 client by its /64), or `account:` and the email tried,
 * lower-cased, whether or not such a user exists.
 */
export const loginFailures = pgTable(
  'login_failures',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    windowStartedAt: timestamptz('window_started_at').notNull(),
  },
  (t) => [index('login_failures_window_idx').on(t.windowStartedAt)],
);

/**
 * The addresses each user signed in from, and when last: an account held back by others' failures
 * still lets its owner in from an address they used before.
 */
export const loginKnownAddresses = pgTable(
  'login_known_addresses',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.userId, { onDelete: 'cascade' }),
    address: text('address').notNull(),
    lastSignedInAt: timestamptz('last_signed_in_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.address] }), index('login_known_addresses_last_idx').on(t.lastSignedInAt)],
);
