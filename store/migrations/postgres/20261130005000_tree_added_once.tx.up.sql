-- The lecture-added subtree trigger (20261129002000_tree), with what it
-- reads of the lecturer's other lectures read once: whether another lecture
-- of theirs is on the same day, their last day before it and their next day
-- after it (and the same for their lectures as a leading cadre). The
-- generated function repeated each of those reads in every statement that
-- used it (up to seven times a lecture); nothing the function writes
-- changes them, so the statements, their order and their effects are the
-- same. TestKeptTotalsAgree checks the kept totals against a recount.
CREATE OR REPLACE FUNCTION lectures_added_tree() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_alone boolean;  -- no other active lecture of this lecturer on this day
    last_day  text;     -- their last day before it
    next_day  text;     -- their next day after it
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(new.unit_id::text || '/' || new.speaker, 0));
    was_alone := NOT EXISTS (SELECT 1 FROM lectures WHERE unit_id = new.unit_id AND speaker = new.speaker
        AND withdrawn_at IS NULL AND day = new.day AND id <> new.id);
    IF was_alone THEN
        SELECT max(day) INTO last_day FROM lectures WHERE unit_id = new.unit_id AND speaker = new.speaker
            AND withdrawn_at IS NULL AND day < new.day;
        SELECT min(day) INTO next_day FROM lectures WHERE unit_id = new.unit_id AND speaker = new.speaker
            AND withdrawn_at IS NULL AND day > new.day;
    END IF;
    INSERT INTO tree_days AS t (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT ancestor_id, new.day, 1, new.attendees, new.satisfied, new.surveyed,
            CASE WHEN was_alone THEN 1 ELSE 0 END, CASE WHEN was_alone AND last_day IS NULL THEN 1 ELSE 0 END, 0, 0
        FROM unit_ancestors WHERE unit_id = new.unit_id
        ON CONFLICT (unit_id, day) DO UPDATE SET lectures = t.lectures + 1, attendees = t.attendees + excluded.attendees,
            satisfied = t.satisfied + excluded.satisfied, surveyed = t.surveyed + excluded.surveyed,
            events = t.events + excluded.events, firsts = t.firsts + excluded.firsts;
    IF was_alone AND last_day IS NOT NULL THEN
        INSERT INTO tree_firsts AS t (unit_id, leader, day, prev, n)
        SELECT ancestor_id, 0, new.day, last_day, 1 FROM unit_ancestors WHERE unit_id = new.unit_id
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = t.n + 1;
    END IF;
    IF was_alone AND next_day IS NOT NULL THEN
        IF last_day IS NULL THEN
            UPDATE tree_days SET firsts = firsts - 1
                WHERE unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = new.unit_id) AND day = next_day;
        ELSE
            INSERT INTO tree_firsts AS t (unit_id, leader, day, prev, n)
            SELECT ancestor_id, 0, next_day, last_day, -1 FROM unit_ancestors WHERE unit_id = new.unit_id
            ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = t.n + excluded.n;
        END IF;
        INSERT INTO tree_firsts AS t (unit_id, leader, day, prev, n)
        SELECT ancestor_id, 0, next_day, new.day, 1 FROM unit_ancestors WHERE unit_id = new.unit_id
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = t.n + excluded.n;
        DELETE FROM tree_firsts WHERE unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = new.unit_id)
            AND leader = 0 AND n = 0 AND day = next_day;
    END IF;
    IF new.leader = 0 THEN
        RETURN NULL;
    END IF;
    -- The same for the lecturer's lectures as a leading cadre.
    last_day := NULL;
    next_day := NULL;
    was_alone := NOT EXISTS (SELECT 1 FROM lectures WHERE unit_id = new.unit_id AND speaker = new.speaker
        AND withdrawn_at IS NULL AND leader <> 0 AND day = new.day AND id <> new.id);
    IF NOT was_alone THEN
        RETURN NULL;
    END IF;
    SELECT max(day) INTO last_day FROM lectures WHERE unit_id = new.unit_id AND speaker = new.speaker
        AND withdrawn_at IS NULL AND leader <> 0 AND day < new.day;
    SELECT min(day) INTO next_day FROM lectures WHERE unit_id = new.unit_id AND speaker = new.speaker
        AND withdrawn_at IS NULL AND leader <> 0 AND day > new.day;
    INSERT INTO tree_days AS t (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT ancestor_id, new.day, 0, 0, 0, 0, 0, 0, 1, CASE WHEN last_day IS NULL THEN 1 ELSE 0 END
        FROM unit_ancestors WHERE unit_id = new.unit_id
        ON CONFLICT (unit_id, day) DO UPDATE SET leader_events = t.leader_events + 1, leader_firsts = t.leader_firsts + excluded.leader_firsts;
    IF last_day IS NOT NULL THEN
        INSERT INTO tree_firsts AS t (unit_id, leader, day, prev, n)
        SELECT ancestor_id, 1, new.day, last_day, 1 FROM unit_ancestors WHERE unit_id = new.unit_id
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = t.n + 1;
    END IF;
    IF next_day IS NOT NULL THEN
        IF last_day IS NULL THEN
            UPDATE tree_days SET leader_firsts = leader_firsts - 1
                WHERE unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = new.unit_id) AND day = next_day;
        ELSE
            INSERT INTO tree_firsts AS t (unit_id, leader, day, prev, n)
            SELECT ancestor_id, 1, next_day, last_day, -1 FROM unit_ancestors WHERE unit_id = new.unit_id
            ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = t.n + excluded.n;
        END IF;
        INSERT INTO tree_firsts AS t (unit_id, leader, day, prev, n)
        SELECT ancestor_id, 1, next_day, new.day, 1 FROM unit_ancestors WHERE unit_id = new.unit_id
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = t.n + excluded.n;
        DELETE FROM tree_firsts WHERE unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = new.unit_id)
            AND leader = 1 AND n = 0 AND day = next_day;
    END IF;
    RETURN NULL;
END $$;
