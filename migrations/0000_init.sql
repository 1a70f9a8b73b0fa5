CREATE TABLE "assignments" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "assignments_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"vehicle_id" integer NOT NULL,
	"technician_id" integer NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"assigned_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"returned_at" timestamp (3) with time zone,
	"assigned_by" text NOT NULL,
	"returned_by" text,
	"notes" text,
	CONSTRAINT "assignments_status_check" CHECK ("assignments"."status" in ('active', 'returned')),
	CONSTRAINT "assignments_returned_consistency" CHECK (("assignments"."status" = 'active') = ("assignments"."returned_at" is null) and ("assignments"."status" = 'active') = ("assignments"."returned_by" is null))
);
--> statement-breakpoint
CREATE TABLE "project_assignments" (
	"assignment_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"assigned_as" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_assignments_assigned_as_check" CHECK ("project_assignments"."assigned_as" in ('Dev', 'Employee'))
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"project_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_name" text NOT NULL,
	"project_start_date" date,
	"project_end_date" date,
	"country" text,
	"project_description" text,
	"project_type" text,
	"total_area" double precision,
	"area_unit" text,
	"project_developer" text,
	"crediting_period" text,
	"registry" text,
	"sdg" text[] DEFAULT '{}'::text[] NOT NULL,
	"owner_user_id" uuid,
	"project_status" text DEFAULT 'active' NOT NULL,
	"has_carbon_module" boolean DEFAULT false NOT NULL,
	"has_biodiversity_module" boolean DEFAULT false NOT NULL,
	"has_environmental_module" boolean DEFAULT false NOT NULL,
	"site_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_dates_ordered" CHECK ("projects"."project_end_date" is null or "projects"."project_start_date" is null or "projects"."project_end_date" >= "projects"."project_start_date"),
	CONSTRAINT "projects_total_area_non_negative" CHECK ("projects"."total_area" is null or "projects"."total_area" >= 0),
	CONSTRAINT "projects_site_count_non_negative" CHECK ("projects"."site_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "technicians" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "technicians_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"email" text NOT NULL,
	"phone" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"user_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text NOT NULL,
	"role" text[] NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"is_email_verified" boolean DEFAULT false NOT NULL,
	"password_hash" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_status_check" CHECK ("users"."status" in ('active', 'inactive')),
	CONSTRAINT "users_role_not_empty" CHECK (cardinality("users"."role") > 0)
);
--> statement-breakpoint
CREATE TABLE "vehicles" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "vehicles_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"plate_number" text NOT NULL,
	"make" text,
	"model" text,
	"year" integer,
	"vin" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_vehicle_id_vehicles_id_fk" FOREIGN KEY ("vehicle_id") REFERENCES "public"."vehicles"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_technician_id_technicians_id_fk" FOREIGN KEY ("technician_id") REFERENCES "public"."technicians"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_assignments" ADD CONSTRAINT "project_assignments_user_id_users_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("user_id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_assignments" ADD CONSTRAINT "project_assignments_project_id_projects_project_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("project_id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_owner_user_id_users_user_id_fk" FOREIGN KEY ("owner_user_id") REFERENCES "public"."users"("user_id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assignments_one_active_per_vehicle" ON "assignments" USING btree ("vehicle_id") WHERE "assignments"."status" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "assignments_one_active_per_technician" ON "assignments" USING btree ("technician_id") WHERE "assignments"."status" = 'active';--> statement-breakpoint
CREATE INDEX "assignments_assigned_at_idx" ON "assignments" USING btree ("assigned_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "assignments_vehicle_idx" ON "assignments" USING btree ("vehicle_id","assigned_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "assignments_technician_idx" ON "assignments" USING btree ("technician_id","assigned_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "project_assignments_user_project_key" ON "project_assignments" USING btree ("user_id","project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "project_assignments_one_per_role" ON "project_assignments" USING btree ("project_id","assigned_as");--> statement-breakpoint
CREATE INDEX "project_assignments_created_at_idx" ON "project_assignments" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "projects_owner_idx" ON "projects" USING btree ("owner_user_id");--> statement-breakpoint
CREATE INDEX "projects_created_at_idx" ON "projects" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "technicians_email_key" ON "technicians" USING btree (lower("email")) WHERE "technicians"."retired_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "users_created_at_idx" ON "users" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "vehicles_plate_number_key" ON "vehicles" USING btree (lower("plate_number")) WHERE "vehicles"."retired_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "vehicles_vin_key" ON "vehicles" USING btree (lower("vin")) WHERE "vehicles"."retired_at" is null;