-- 附件2's 单位 is the lecturer's workplace, free text (PostgreSQL).
ALTER TABLE instructors ADD COLUMN workplace TEXT NOT NULL DEFAULT '';
--bun:split
UPDATE instructors SET workplace = (SELECT name FROM units WHERE units.id = instructors.unit_id) WHERE workplace = '';
