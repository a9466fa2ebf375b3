-- Running totals per unit and per week, for PostgreSQL (see the SQLite
-- migration of the same name). The triggers are PL/pgSQL; they are safe
-- with many writers at once: each upsert of a lecturer row returns the
-- row's count after the change, under the row's lock, so two replicas
-- logging the same new lecturer at the same moment count them once.

-- SQLite's date(day, 'weekday 0', '-6 days') (the Monday of day's week),
-- so that the store's SQL names a week the same way on both engines.
CREATE FUNCTION date(day text, weekday text, back text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF weekday <> 'weekday 0' OR back <> '-6 days' THEN
        RAISE EXCEPTION 'date(%, %, %): only the Monday of a week is supported', day, weekday, back;
    END IF;
    RETURN to_char(date_trunc('week', day::date), 'YYYY-MM-DD');
END $$;
--bun:split
CREATE TABLE week_speakers (
    unit_id         BIGINT  NOT NULL REFERENCES units (id),
    week            TEXT    COLLATE "C" NOT NULL,
    name            TEXT    NOT NULL,
    lectures        INTEGER NOT NULL,
    leader_lectures INTEGER NOT NULL,
    PRIMARY KEY (unit_id, week, name)
);
--bun:split
CREATE TABLE unit_weeks (
    unit_id   BIGINT  NOT NULL REFERENCES units (id),
    week      TEXT    COLLATE "C" NOT NULL,
    lectures  INTEGER NOT NULL DEFAULT 0,
    speakers  INTEGER NOT NULL DEFAULT 0,
    leaders   INTEGER NOT NULL DEFAULT 0,
    attendees INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    surveyed  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, week)
);
--bun:split
CREATE INDEX unit_weeks_week ON unit_weeks (week, unit_id, lectures, speakers, leaders, attendees, satisfied, surveyed);
--bun:split
INSERT INTO week_speakers (unit_id, week, name, lectures, leader_lectures)
    SELECT unit_id, date(day, 'weekday 0', '-6 days'), speaker, count(*), sum(leader) FROM lectures
    WHERE withdrawn_at IS NULL GROUP BY 1, 2, 3;
--bun:split
INSERT INTO unit_weeks (week, unit_id, lectures, speakers, leaders, attendees, satisfied, surveyed)
    SELECT l.week, l.unit_id, l.n, s.speakers, s.leaders, l.attendees, l.satisfied, l.surveyed
    FROM (SELECT date(day, 'weekday 0', '-6 days') AS week, unit_id, count(*) AS n, sum(attendees) AS attendees,
        sum(satisfied) AS satisfied, sum(surveyed) AS surveyed FROM lectures WHERE withdrawn_at IS NULL GROUP BY 1, 2) l
    JOIN (SELECT week, unit_id, count(*) AS speakers, sum(CASE WHEN leader_lectures > 0 THEN 1 ELSE 0 END) AS leaders
        FROM week_speakers GROUP BY week, unit_id) s ON s.week = l.week AND s.unit_id = l.unit_id;
--bun:split
CREATE FUNCTION lectures_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wk text := date(new.day, 'weekday 0', '-6 days');
    lead integer := CASE WHEN new.leader <> 0 THEN 1 ELSE 0 END;
    n integer;
    nl integer;
    new_speaker integer;
    new_leader integer;
BEGIN
    INSERT INTO speakers AS s (unit_id, name, lectures, leader_lectures) VALUES (new.unit_id, new.speaker, 1, lead)
        ON CONFLICT (unit_id, name) DO UPDATE SET lectures = s.lectures + 1, leader_lectures = s.leader_lectures + excluded.leader_lectures
        RETURNING lectures, leader_lectures INTO n, nl;
    new_speaker := CASE WHEN n = 1 THEN 1 ELSE 0 END;
    new_leader := CASE WHEN lead = 1 AND nl = 1 THEN 1 ELSE 0 END;
    INSERT INTO unit_totals AS t (unit_id, lectures, speakers, leaders, attendees, satisfied, surveyed)
        VALUES (new.unit_id, 1, new_speaker, new_leader, new.attendees, new.satisfied, new.surveyed)
        ON CONFLICT (unit_id) DO UPDATE SET lectures = t.lectures + 1, speakers = t.speakers + excluded.speakers,
            leaders = t.leaders + excluded.leaders, attendees = t.attendees + excluded.attendees,
            satisfied = t.satisfied + excluded.satisfied, surveyed = t.surveyed + excluded.surveyed;
    INSERT INTO week_speakers AS s (unit_id, week, name, lectures, leader_lectures) VALUES (new.unit_id, wk, new.speaker, 1, lead)
        ON CONFLICT (unit_id, week, name) DO UPDATE SET lectures = s.lectures + 1, leader_lectures = s.leader_lectures + excluded.leader_lectures
        RETURNING lectures, leader_lectures INTO n, nl;
    new_speaker := CASE WHEN n = 1 THEN 1 ELSE 0 END;
    new_leader := CASE WHEN lead = 1 AND nl = 1 THEN 1 ELSE 0 END;
    INSERT INTO unit_weeks AS w (unit_id, week, lectures, speakers, leaders, attendees, satisfied, surveyed)
        VALUES (new.unit_id, wk, 1, new_speaker, new_leader, new.attendees, new.satisfied, new.surveyed)
        ON CONFLICT (unit_id, week) DO UPDATE SET lectures = w.lectures + 1, speakers = w.speakers + excluded.speakers,
            leaders = w.leaders + excluded.leaders, attendees = w.attendees + excluded.attendees,
            satisfied = w.satisfied + excluded.satisfied, surveyed = w.surveyed + excluded.surveyed;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER lectures_added AFTER INSERT ON lectures
    FOR EACH ROW WHEN (new.withdrawn_at IS NULL) EXECUTE FUNCTION lectures_added();
--bun:split
-- A withdrawal takes the lecture out again; a lecturer row left without a
-- lecture is deleted (a unit's totals stay, possibly all zero).
CREATE FUNCTION lectures_withdrawn() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wk text := date(old.day, 'weekday 0', '-6 days');
    lead integer := CASE WHEN old.leader <> 0 THEN 1 ELSE 0 END;
    n integer;
    nl integer;
BEGIN
    UPDATE speakers SET lectures = lectures - 1, leader_lectures = leader_lectures - lead
        WHERE unit_id = old.unit_id AND name = old.speaker RETURNING lectures, leader_lectures INTO n, nl;
    UPDATE unit_totals SET lectures = lectures - 1,
        speakers = speakers - CASE WHEN n = 0 THEN 1 ELSE 0 END,
        leaders = leaders - CASE WHEN lead = 1 AND nl = 0 THEN 1 ELSE 0 END,
        attendees = attendees - old.attendees, satisfied = satisfied - old.satisfied, surveyed = surveyed - old.surveyed
        WHERE unit_id = old.unit_id;
    DELETE FROM speakers WHERE unit_id = old.unit_id AND name = old.speaker AND lectures <= 0;
    UPDATE week_speakers SET lectures = lectures - 1, leader_lectures = leader_lectures - lead
        WHERE unit_id = old.unit_id AND week = wk AND name = old.speaker RETURNING lectures, leader_lectures INTO n, nl;
    UPDATE unit_weeks SET lectures = lectures - 1,
        speakers = speakers - CASE WHEN n = 0 THEN 1 ELSE 0 END,
        leaders = leaders - CASE WHEN lead = 1 AND nl = 0 THEN 1 ELSE 0 END,
        attendees = attendees - old.attendees, satisfied = satisfied - old.satisfied, surveyed = surveyed - old.surveyed
        WHERE unit_id = old.unit_id AND week = wk;
    DELETE FROM week_speakers WHERE unit_id = old.unit_id AND week = wk AND name = old.speaker AND lectures <= 0;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER lectures_withdrawn AFTER UPDATE OF withdrawn_at ON lectures
    FOR EACH ROW WHEN (old.withdrawn_at IS NULL AND new.withdrawn_at IS NOT NULL) EXECUTE FUNCTION lectures_withdrawn();
