-- Each lecturer's first and latest day and attendance sums, kept on the
-- speakers row by the same triggers as its lecture count, so that the
-- weekly digests read a province's lecturers (SpeakerStats) from this
-- table, one row a lecturer, instead of every lecture (issue 13: at ten
-- million lectures that pass alone was longer than the whole job's target).
ALTER TABLE speakers ADD COLUMN first_day TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE speakers ADD COLUMN last_day TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE speakers ADD COLUMN attendees INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE speakers ADD COLUMN satisfied INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE speakers ADD COLUMN surveyed INTEGER NOT NULL DEFAULT 0;
--bun:split
UPDATE speakers SET first_day = a.first_day, last_day = a.last_day, attendees = a.attendees, satisfied = a.satisfied, surveyed = a.surveyed
    FROM (SELECT unit_id, speaker, min(day) AS first_day, max(day) AS last_day, sum(attendees) AS attendees,
        sum(satisfied) AS satisfied, sum(surveyed) AS surveyed FROM lectures INDEXED BY lectures_speaker
        WHERE withdrawn_at IS NULL GROUP BY unit_id, speaker) a
    WHERE a.unit_id = speakers.unit_id AND a.speaker = speakers.name;
--bun:split
DROP TRIGGER lectures_added;
--bun:split
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
    INSERT INTO speakers (unit_id, name, lectures, leader_lectures, first_day, last_day, attendees, satisfied, surveyed)
        VALUES (new.unit_id, new.speaker, 1, new.leader <> 0, new.day, new.day, new.attendees, new.satisfied, new.surveyed)
        ON CONFLICT (unit_id, name) DO UPDATE SET lectures = lectures + 1, leader_lectures = leader_lectures + excluded.leader_lectures,
            first_day = min(first_day, excluded.first_day), last_day = max(last_day, excluded.last_day),
            attendees = attendees + excluded.attendees, satisfied = satisfied + excluded.satisfied, surveyed = surveyed + excluded.surveyed;
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
DROP TRIGGER lectures_withdrawn;
--bun:split
-- A withdrawal takes the lecture out again (a lecturer's first and latest
-- days are read again from their other lectures: two index seeks); a
-- lecturer row left without a lecture is deleted.
CREATE TRIGGER lectures_withdrawn AFTER UPDATE OF withdrawn_at ON lectures
    WHEN old.withdrawn_at IS NULL AND new.withdrawn_at IS NOT NULL
BEGIN
    UPDATE unit_totals SET lectures = lectures - 1,
        speakers = speakers - ((SELECT lectures FROM speakers WHERE unit_id = old.unit_id AND name = old.speaker) = 1),
        leaders = leaders - (old.leader <> 0 AND (SELECT leader_lectures FROM speakers WHERE unit_id = old.unit_id AND name = old.speaker) = 1),
        attendees = attendees - old.attendees, satisfied = satisfied - old.satisfied, surveyed = surveyed - old.surveyed
        WHERE unit_id = old.unit_id;
    UPDATE speakers SET lectures = lectures - 1, leader_lectures = leader_lectures - (old.leader <> 0),
        attendees = attendees - old.attendees, satisfied = satisfied - old.satisfied, surveyed = surveyed - old.surveyed,
        first_day = coalesce((SELECT min(day) FROM lectures WHERE unit_id = old.unit_id AND speaker = old.speaker AND withdrawn_at IS NULL), ''),
        last_day = coalesce((SELECT max(day) FROM lectures WHERE unit_id = old.unit_id AND speaker = old.speaker AND withdrawn_at IS NULL), '')
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
