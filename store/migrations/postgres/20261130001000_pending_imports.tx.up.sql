-- A lecturer pool import writes its lecturers straight into instructors, in
-- many short transactions, under its import_id; while the import is listed
-- in pending_imports every reader leaves its rows out, and its last
-- transaction only deletes that one row, so a million lecturers appear at
-- once without holding the database for seconds (see store/staging.go).
-- first_id is the largest id before the import's first row: its rows are
-- above it, so an import that stopped half-way is found and deleted by id.
-- The staging table this replaces is dropped.
ALTER TABLE instructors ADD COLUMN import_id BIGINT;
--bun:split
CREATE TABLE pending_imports (
    import_id  BIGINT PRIMARY KEY,
    first_id   BIGINT NOT NULL,
    started_at BIGINT NOT NULL
);
--bun:split
DROP TABLE instructor_staging;
