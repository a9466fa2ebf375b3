-- Running totals per unit and per week (a week is named by its Monday,
-- 'YYYY-MM-DD'), kept in the writing transaction as unit_totals and
-- speakers are, so that a week's figures are a few indexed reads and a
-- period's figures read only its edge days from the lectures.
-- week_speakers: one row per lecturer of a unit in a week (distinct
-- lecturers of a week, and across weeks of a range).
CREATE TABLE week_speakers (
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    week            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    lectures        INTEGER NOT NULL,
    leader_lectures INTEGER NOT NULL,
    PRIMARY KEY (unit_id, week, name)
) WITHOUT ROWID;
--bun:split
-- unit_weeks: a unit's own totals of a week (not its subtree's), read by
-- unit for a subtree and, through unit_weeks_week, by week for the whole
-- province (that index covers the sums: one contiguous range a week).
CREATE TABLE unit_weeks (
    unit_id   INTEGER NOT NULL REFERENCES units (id),
    week      TEXT    NOT NULL,
    lectures  INTEGER NOT NULL DEFAULT 0,
    speakers  INTEGER NOT NULL DEFAULT 0,
    leaders   INTEGER NOT NULL DEFAULT 0,
    attendees INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    surveyed  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, week)
) WITHOUT ROWID;
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
    JOIN (SELECT week, unit_id, count(*) AS speakers, sum(leader_lectures > 0) AS leaders
        FROM week_speakers GROUP BY week, unit_id) s ON s.week = l.week AND s.unit_id = l.unit_id;
--bun:split
-- The running totals move with each lecture inside SQLite, in the
-- statement that adds or withdraws it: no round trip from Go per table.
-- A lecture adds a lecturer (a leading cadre) to a unit, or a week, when
-- the unit had no active lecture by that name (as a leading cadre) before.
CREATE TRIGGER lectures_added AFTER INSERT ON lectures WHEN new.withdrawn_at IS NULL
BEGIN
    INSERT INTO unit_totals (unit_id, lectures, speakers, leaders, attendees, satisfied, surveyed)
        VALUES (new.unit_id, 1,
            NOT EXISTS (SELECT 1 FROM speakers WHERE unit_id = new.unit_id AND name = new.speaker),
            new.leader <> 0 AND NOT EXISTS (SELECT 1 FROM speakers WHERE unit_id = new.unit_id AND name = new.speaker AND leader_lectures > 0),
            new.attendees, new.satisfied, new.surveyed)
        ON CONFLICT (unit_id) DO UPDATE SET lectures = lectures + 1, speakers = speakers + excluded.speakers,
            leaders = leaders + excluded.leaders, attendees = attendees + excluded.attendees,
            satisfied = satisfied + excluded.satisfied, surveyed = surveyed + excluded.surveyed;
    INSERT INTO speakers (unit_id, name, lectures, leader_lectures) VALUES (new.unit_id, new.speaker, 1, new.leader <> 0)
        ON CONFLICT (unit_id, name) DO UPDATE SET lectures = lectures + 1, leader_lectures = leader_lectures + excluded.leader_lectures;
    INSERT INTO unit_weeks (unit_id, week, lectures, speakers, leaders, attendees, satisfied, surveyed)
        VALUES (new.unit_id, date(new.day, 'weekday 0', '-6 days'), 1,
            NOT EXISTS (SELECT 1 FROM week_speakers WHERE unit_id = new.unit_id AND week = date(new.day, 'weekday 0', '-6 days') AND name = new.speaker),
            new.leader <> 0 AND NOT EXISTS (SELECT 1 FROM week_speakers WHERE unit_id = new.unit_id
                AND week = date(new.day, 'weekday 0', '-6 days') AND name = new.speaker AND leader_lectures > 0),
            new.attendees, new.satisfied, new.surveyed)
        ON CONFLICT (unit_id, week) DO UPDATE SET lectures = lectures + 1, speakers = speakers + excluded.speakers,
            leaders = leaders + excluded.leaders, attendees = attendees + excluded.attendees,
            satisfied = satisfied + excluded.satisfied, surveyed = surveyed + excluded.surveyed;
    INSERT INTO week_speakers (unit_id, week, name, lectures, leader_lectures)
        VALUES (new.unit_id, date(new.day, 'weekday 0', '-6 days'), new.speaker, 1, new.leader <> 0)
        ON CONFLICT (unit_id, week, name) DO UPDATE SET lectures = lectures + 1, leader_lectures = leader_lectures + excluded.leader_lectures;
END;
--bun:split
-- A withdrawal takes the lecture out again; a lecturer row left without a
-- lecture is deleted (a unit's totals stay, possibly all zero).
CREATE TRIGGER lectures_withdrawn AFTER UPDATE OF withdrawn_at ON lectures
    WHEN old.withdrawn_at IS NULL AND new.withdrawn_at IS NOT NULL
BEGIN
    UPDATE unit_totals SET lectures = lectures - 1,
        speakers = speakers - ((SELECT lectures FROM speakers WHERE unit_id = old.unit_id AND name = old.speaker) = 1),
        leaders = leaders - (old.leader <> 0 AND (SELECT leader_lectures FROM speakers WHERE unit_id = old.unit_id AND name = old.speaker) = 1),
        attendees = attendees - old.attendees, satisfied = satisfied - old.satisfied, surveyed = surveyed - old.surveyed
        WHERE unit_id = old.unit_id;
    UPDATE speakers SET lectures = lectures - 1, leader_lectures = leader_lectures - (old.leader <> 0)
        WHERE unit_id = old.unit_id AND name = old.speaker;
    DELETE FROM speakers WHERE unit_id = old.unit_id AND name = old.speaker AND lectures <= 0;
    UPDATE unit_weeks SET lectures = lectures - 1,
        speakers = speakers - ((SELECT lectures FROM week_speakers WHERE unit_id = old.unit_id
            AND week = date(old.day, 'weekday 0', '-6 days') AND name = old.speaker) = 1),
        leaders = leaders - (old.leader <> 0 AND (SELECT leader_lectures FROM week_speakers WHERE unit_id = old.unit_id
            AND week = date(old.day, 'weekday 0', '-6 days') AND name = old.speaker) = 1),
        attendees = attendees - old.attendees, satisfied = satisfied - old.satisfied, surveyed = surveyed - old.surveyed
        WHERE unit_id = old.unit_id AND week = date(old.day, 'weekday 0', '-6 days');
    UPDATE week_speakers SET lectures = lectures - 1, leader_lectures = leader_lectures - (old.leader <> 0)
        WHERE unit_id = old.unit_id AND week = date(old.day, 'weekday 0', '-6 days') AND name = old.speaker;
    DELETE FROM week_speakers WHERE unit_id = old.unit_id AND week = date(old.day, 'weekday 0', '-6 days')
        AND name = old.speaker AND lectures <= 0;
END;
