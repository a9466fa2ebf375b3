-- 附件2's 单位 is the lecturer's workplace, free text (温县第一中学, 县委党校),
-- not a unit of the tree. Lecturers registered before keep the name of the
-- unit they were registered under as their workplace.
ALTER TABLE instructors ADD COLUMN workplace TEXT NOT NULL DEFAULT '';
--bun:split
UPDATE instructors SET workplace = (SELECT name FROM units WHERE units.id = instructors.unit_id) WHERE workplace = '';
