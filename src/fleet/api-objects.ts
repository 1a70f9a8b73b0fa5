// The fleet's API objects as PostgreSQL writes them (to_json of a row: compact, keys in the order
// of the columns, as the document lists them), so that an answer is sent as the text it arrives as.

/** A timestamp column as the API writes it: ISO 8601 in UTC with milliseconds. */
export const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The vehicle `ve` as its API object; `active` is the SQL of the assignment it holds. */
export const vehicleObject = (active: string) => `(select v from (select ve.id as "id", ve.plate_number as "plateNumber",
      ve.make as "make", ve.model as "model", ve.year as "year", ve.vin as "vin", ve.odometer as "odometer",
      ${iso('ve.created_at')} as "createdAt", ${iso('ve.updated_at')} as "updatedAt",
      ${active} as "activeAssignmentId") v)`;

/** The technician `te` as its API object; `active` is the SQL of the assignment they hold. */
export const technicianObject = (active: string) => `(select t from (select te.id as "id", te.name as "name", te.email as "email",
      te.phone as "phone", ${iso('te.created_at')} as "createdAt", ${iso('te.updated_at')} as "updatedAt",
      ${active} as "activeAssignmentId") t)`;

// The assignment each party holds now, as the statement sees the table.
export const VEHICLE_ACTIVE_NOW = `(select x.id from assignments x where x.vehicle_id = ve.id and x.status = 'active')`;
export const TECHNICIAN_ACTIVE_NOW = `(select x.id from assignments x where x.technician_id = te.id and x.status = 'active')`;
