-- Two reservations that are not cancelled may not overlap, for the same vehicle or for the same
-- technician. Intervals are half-open, [starts_at, ends_at), so one may end exactly when the next
-- starts. A started reservation whose assignment came back (released_at) holds its hours only until
-- then; released before it began, it holds none (an empty range overlaps nothing). An exclusion
-- constraint, so that of concurrent overlapping bookings exactly one commits.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_vehicle_no_overlap"
  EXCLUDE USING gist ("vehicle_id" WITH =, tstzrange("starts_at", greatest("starts_at", least("ends_at", coalesce("released_at", "ends_at"))), '[)') WITH &&)
  WHERE ("status" <> 'cancelled');
--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_technician_no_overlap"
  EXCLUDE USING gist ("technician_id" WITH =, tstzrange("starts_at", greatest("starts_at", least("ends_at", coalesce("released_at", "ends_at"))), '[)') WITH &&)
  WHERE ("status" <> 'cancelled');
