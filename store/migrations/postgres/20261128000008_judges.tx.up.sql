-- A judge who leaves the panel is marked removed, not deleted (PostgreSQL).
ALTER TABLE judges ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
