-- Indexes no query uses any more, for PostgreSQL as for SQLite.
DROP INDEX lectures_author;
--bun:split
DROP INDEX instructors_author;
--bun:split
DROP INDEX lectures_unit;
