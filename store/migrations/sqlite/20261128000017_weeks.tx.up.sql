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
