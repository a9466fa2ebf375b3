-- Units that may be left out of coverage (see the SQLite migration of the
-- same name), kept by PL/pgSQL triggers. INSERT … ON CONFLICT DO NOTHING
-- keeps the table a set when two replicas' transactions list a unit at once.
CREATE TABLE unit_doubts (
    unit_id BIGINT PRIMARY KEY
);
--bun:split
INSERT INTO unit_doubts (unit_id)
    SELECT u.id FROM units u LEFT JOIN unit_totals t ON t.unit_id = u.id
    WHERE (u.members = 0 AND (u.kind = 'branch' OR coalesce(t.lectures, 0) > 0))
        OR coalesce(t.speakers, 0) > u.members;
--bun:split
CREATE FUNCTION unit_doubts_unit_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_doubts (unit_id) VALUES (new.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER unit_doubts_unit_added AFTER INSERT ON units
    FOR EACH ROW WHEN (new.members = 0 AND new.kind = 'branch') EXECUTE FUNCTION unit_doubts_unit_added();
--bun:split
CREATE FUNCTION unit_doubts_members_set() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n_lectures integer := coalesce((SELECT lectures FROM unit_totals WHERE unit_id = new.id), 0);
    n_speakers integer := coalesce((SELECT speakers FROM unit_totals WHERE unit_id = new.id), 0);
BEGIN
    IF (new.members = 0 AND (new.kind = 'branch' OR n_lectures > 0)) OR new.members < n_speakers THEN
        INSERT INTO unit_doubts (unit_id) VALUES (new.id) ON CONFLICT DO NOTHING;
    END IF;
    IF new.members > 0 AND new.members >= n_speakers THEN
        DELETE FROM unit_doubts WHERE unit_id = new.id;
    END IF;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER unit_doubts_members_set AFTER UPDATE OF members, kind ON units
    FOR EACH ROW EXECUTE FUNCTION unit_doubts_members_set();
--bun:split
CREATE FUNCTION unit_doubts_unit_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM unit_doubts WHERE unit_id = old.id;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER unit_doubts_unit_removed AFTER DELETE ON units
    FOR EACH ROW EXECUTE FUNCTION unit_doubts_unit_removed();
--bun:split
CREATE FUNCTION unit_doubts_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_doubts (unit_id)
        SELECT id FROM units WHERE id = new.unit_id AND (members = 0 OR members < new.speakers)
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER unit_doubts_totals_added AFTER INSERT ON unit_totals
    FOR EACH ROW EXECUTE FUNCTION unit_doubts_totals();
--bun:split
CREATE TRIGGER unit_doubts_speakers_grew AFTER UPDATE OF speakers ON unit_totals
    FOR EACH ROW WHEN (new.speakers > old.speakers) EXECUTE FUNCTION unit_doubts_totals();
