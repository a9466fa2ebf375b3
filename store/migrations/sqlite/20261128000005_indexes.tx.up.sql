-- Indexes no query uses any more, each a write on every lecture logged:
-- the undo path reads the audit table, and lectures_speaker (unit_id first)
-- serves every lookup by unit.
DROP INDEX lectures_author;
--bun:split
DROP INDEX instructors_author;
--bun:split
DROP INDEX lectures_unit;
