-- Each lecturer's first and latest day and attendance sums, kept on the
-- speakers row by the same triggers as its lecture count (PostgreSQL), so
-- that the weekly digests read a province's lecturers (SpeakerStats) from
-- this table, one row a lecturer, instead of every lecture.
ALTER TABLE speakers ADD COLUMN first_day TEXT COLLATE "C" NOT NULL DEFAULT '';
--bun:split
ALTER TABLE speakers ADD COLUMN last_day TEXT COLLATE "C" NOT NULL DEFAULT '';
--bun:split
ALTER TABLE speakers ADD COLUMN attendees INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE speakers ADD COLUMN satisfied INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE speakers ADD COLUMN surveyed INTEGER NOT NULL DEFAULT 0;
--bun:split
UPDATE speakers SET first_day = a.first_day, last_day = a.last_day, attendees = a.attendees, satisfied = a.satisfied, surveyed = a.surveyed
    FROM (SELECT unit_id, speaker, min(day) AS first_day, max(day) AS last_day, sum(attendees) AS attendees,
        sum(satisfied) AS satisfied, sum(surveyed) AS surveyed FROM lectures
        WHERE withdrawn_at IS NULL GROUP BY unit_id, speaker) a
    WHERE a.unit_id = speakers.unit_id AND a.speaker = speakers.name;
--bun:split
CREATE OR REPLACE FUNCTION lectures_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wk text := date(new.day, 'weekday 0', '-6 days');
    lead integer := CASE WHEN new.leader <> 0 THEN 1 ELSE 0 END;
    n integer;
    nl integer;
    new_speaker integer;
    new_leader integer;
BEGIN
    INSERT INTO speakers AS s (unit_id, name, lectures, leader_lectures, first_day, last_day, attendees, satisfied, surveyed)
        VALUES (new.unit_id, new.speaker, 1, lead, new.day, new.day, new.attendees, new.satisfied, new.surveyed)
        ON CONFLICT (unit_id, name) DO UPDATE SET lectures = s.lectures + 1, leader_lectures = s.leader_lectures + excluded.leader_lectures,
            first_day = LEAST(s.first_day, excluded.first_day), last_day = GREATEST(s.last_day, excluded.last_day),
            attendees = s.attendees + excluded.attendees, satisfied = s.satisfied + excluded.satisfied, surveyed = s.surveyed + excluded.surveyed
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
-- A withdrawal takes the lecture out again (a lecturer's first and latest
-- days are read again from their other lectures); a lecturer row left
-- without a lecture is deleted.
CREATE OR REPLACE FUNCTION lectures_withdrawn() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wk text := date(old.day, 'weekday 0', '-6 days');
    lead integer := CASE WHEN old.leader <> 0 THEN 1 ELSE 0 END;
    n integer;
    nl integer;
BEGIN
    UPDATE speakers SET lectures = lectures - 1, leader_lectures = leader_lectures - lead,
        attendees = attendees - old.attendees, satisfied = satisfied - old.satisfied, surveyed = surveyed - old.surveyed,
        first_day = coalesce((SELECT min(day) FROM lectures WHERE unit_id = old.unit_id AND speaker = old.speaker AND withdrawn_at IS NULL), ''),
        last_day = coalesce((SELECT max(day) FROM lectures WHERE unit_id = old.unit_id AND speaker = old.speaker AND withdrawn_at IS NULL), '')
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
