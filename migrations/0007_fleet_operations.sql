CREATE TABLE "reservations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "reservations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"vehicle_id" integer NOT NULL,
	"technician_id" integer NOT NULL,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"ends_at" timestamp (3) with time zone NOT NULL,
	"status" text DEFAULT 'booked' NOT NULL,
	"assignment_id" integer,
	"released_at" timestamp (3) with time zone,
	"notes" text,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reservations_status_check" CHECK ("reservations"."status" in ('booked', 'started', 'cancelled')),
	CONSTRAINT "reservations_interval_check" CHECK ("reservations"."starts_at" < "reservations"."ends_at"),
	CONSTRAINT "reservations_started_assignment" CHECK (("reservations"."status" = 'started') = ("reservations"."assignment_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "expected_return_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "start_odometer" integer;--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "end_odometer" integer;--> statement-breakpoint
ALTER TABLE "vehicles" ADD COLUMN "odometer" integer;--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_vehicle_id_vehicles_id_fk" FOREIGN KEY ("vehicle_id") REFERENCES "public"."vehicles"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_technician_id_technicians_id_fk" FOREIGN KEY ("technician_id") REFERENCES "public"."technicians"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_assignment_id_assignments_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."assignments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reservations_vehicle_idx" ON "reservations" USING btree ("vehicle_id","starts_at");--> statement-breakpoint
CREATE INDEX "reservations_technician_idx" ON "reservations" USING btree ("technician_id","starts_at");--> statement-breakpoint
CREATE INDEX "reservations_starts_at_idx" ON "reservations" USING btree ("starts_at","id");--> statement-breakpoint
CREATE INDEX "reservations_assignment_idx" ON "reservations" USING btree ("assignment_id") WHERE "reservations"."assignment_id" is not null;--> statement-breakpoint
CREATE INDEX "assignments_due_idx" ON "assignments" USING btree ("expected_return_at","id") WHERE "assignments"."status" = 'active' and "assignments"."expected_return_at" is not null;--> statement-breakpoint
CREATE INDEX "assignments_returned_at_idx" ON "assignments" USING btree ("returned_at");--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_odometer_check" CHECK ("assignments"."start_odometer" >= 0 and "assignments"."end_odometer" >= 0 and "assignments"."end_odometer" >= "assignments"."start_odometer");--> statement-breakpoint
ALTER TABLE "vehicles" ADD CONSTRAINT "vehicles_odometer_check" CHECK ("vehicles"."odometer" >= 0);