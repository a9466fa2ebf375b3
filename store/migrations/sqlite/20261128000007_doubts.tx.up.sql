-- Units that may be left out of coverage: a branch with a member count of
-- 0 (or any unit with lectures and none), or a unit with more lecturers of
-- its own than members. The table is a superset kept by
-- triggers (a unit may stay listed after it was put right; the triggers
-- test before they insert, since an outer upsert overrides OR IGNORE); the figure
-- queries check each listed unit against units and unit_totals, so that
-- /统计 全市 finds the few doubtful units without reading every unit twice.
CREATE TABLE unit_doubts (
    unit_id INTEGER PRIMARY KEY
);
--bun:split
INSERT INTO unit_doubts (unit_id)
    SELECT u.id FROM units u LEFT JOIN unit_totals t ON t.unit_id = u.id
    WHERE (u.members = 0 AND (u.kind = 'branch' OR coalesce(t.lectures, 0) > 0))
        OR coalesce(t.speakers, 0) > u.members;
--bun:split
CREATE TRIGGER unit_doubts_unit_added AFTER INSERT ON units WHEN new.members = 0 AND new.kind = 'branch'
BEGIN
    INSERT INTO unit_doubts (unit_id) SELECT new.id WHERE NOT EXISTS (SELECT 1 FROM unit_doubts WHERE unit_id = new.id);
END;
--bun:split
CREATE TRIGGER unit_doubts_members_set AFTER UPDATE OF members, kind ON units
BEGIN
    INSERT INTO unit_doubts (unit_id)
        SELECT new.id WHERE NOT EXISTS (SELECT 1 FROM unit_doubts WHERE unit_id = new.id) AND ((new.members = 0 AND (new.kind = 'branch'
                OR coalesce((SELECT lectures FROM unit_totals WHERE unit_id = new.id), 0) > 0))
            OR new.members < coalesce((SELECT speakers FROM unit_totals WHERE unit_id = new.id), 0));
    DELETE FROM unit_doubts WHERE unit_id = new.id AND new.members > 0
        AND new.members >= coalesce((SELECT speakers FROM unit_totals WHERE unit_id = new.id), 0);
END;
--bun:split
CREATE TRIGGER unit_doubts_unit_removed AFTER DELETE ON units
BEGIN
    DELETE FROM unit_doubts WHERE unit_id = old.id;
END;
--bun:split
CREATE TRIGGER unit_doubts_totals_added AFTER INSERT ON unit_totals
BEGIN
    INSERT INTO unit_doubts (unit_id)
        SELECT id FROM units WHERE id = new.unit_id AND (members = 0 OR members < new.speakers)
            AND NOT EXISTS (SELECT 1 FROM unit_doubts WHERE unit_id = new.unit_id);
END;
--bun:split
CREATE TRIGGER unit_doubts_speakers_grew AFTER UPDATE OF speakers ON unit_totals WHEN new.speakers > old.speakers
BEGIN
    INSERT INTO unit_doubts (unit_id)
        SELECT id FROM units WHERE id = new.unit_id AND (members = 0 OR members < new.speakers)
            AND NOT EXISTS (SELECT 1 FROM unit_doubts WHERE unit_id = new.unit_id);
END;
