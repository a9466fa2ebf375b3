-- 示范宣讲, the lecture forms, the online micro-classroom (网上微课堂) and
-- the city pool (issue 14, items 4-7).
--
-- lectures.demo marks a 示范宣讲: a pool lecturer at one of the five
-- venues, or 示范=是. It is set in the transaction that logs the lecture
-- (or fills it in, /补充).
ALTER TABLE lectures ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
--bun:split
-- unit_shows: a unit's own lectures of a week by venue, form and 示范, kept
-- by the triggers below in the writing statement (as unit_weeks is), so
-- that /统计 reads a few rows per unit instead of the lectures. Rows that
-- fall to zero are deleted, so nothing here keeps a unit from removal.
CREATE TABLE unit_shows (
    unit_id  INTEGER NOT NULL,
    week     TEXT    NOT NULL,
    venue    TEXT    NOT NULL,
    form     TEXT    NOT NULL,
    demo     INTEGER NOT NULL,
    lectures INTEGER NOT NULL,
    PRIMARY KEY (unit_id, week, venue, form, demo)
) WITHOUT ROWID;
--bun:split
-- The edge days of a period are read from the lectures through this index.
CREATE INDEX lectures_show ON lectures (day, unit_id, venue, form, demo) WHERE withdrawn_at IS NULL;
--bun:split
INSERT INTO unit_shows (unit_id, week, venue, form, demo, lectures)
    SELECT unit_id, date(day, 'weekday 0', '-6 days'), venue, form, demo, count(*) FROM lectures
    WHERE withdrawn_at IS NULL GROUP BY 1, 2, 3, 4, 5;
--bun:split
CREATE TRIGGER shows_added AFTER INSERT ON lectures WHEN new.withdrawn_at IS NULL
BEGIN
    INSERT INTO unit_shows (unit_id, week, venue, form, demo, lectures)
        VALUES (new.unit_id, date(new.day, 'weekday 0', '-6 days'), new.venue, new.form, new.demo <> 0, 1)
        ON CONFLICT (unit_id, week, venue, form, demo) DO UPDATE SET lectures = lectures + 1;
END;
--bun:split
CREATE TRIGGER shows_withdrawn AFTER UPDATE OF withdrawn_at ON lectures
    WHEN old.withdrawn_at IS NULL AND new.withdrawn_at IS NOT NULL
BEGIN
    UPDATE unit_shows SET lectures = lectures - 1 WHERE unit_id = old.unit_id
        AND week = date(old.day, 'weekday 0', '-6 days') AND venue = old.venue AND form = old.form AND demo = (old.demo <> 0);
    DELETE FROM unit_shows WHERE unit_id = old.unit_id AND week = date(old.day, 'weekday 0', '-6 days')
        AND venue = old.venue AND form = old.form AND demo = (old.demo <> 0) AND lectures <= 0;
END;
--bun:split
-- A lecture whose unit, day, venue, form or 示范 changes (a merge of units,
-- /补充) moves from its old row to its new one.
CREATE TRIGGER shows_changed AFTER UPDATE OF unit_id, day, venue, form, demo ON lectures
    WHEN old.withdrawn_at IS NULL AND new.withdrawn_at IS NULL
BEGIN
    UPDATE unit_shows SET lectures = lectures - 1 WHERE unit_id = old.unit_id
        AND week = date(old.day, 'weekday 0', '-6 days') AND venue = old.venue AND form = old.form AND demo = (old.demo <> 0);
    DELETE FROM unit_shows WHERE unit_id = old.unit_id AND week = date(old.day, 'weekday 0', '-6 days')
        AND venue = old.venue AND form = old.form AND demo = (old.demo <> 0) AND lectures <= 0;
    INSERT INTO unit_shows (unit_id, week, venue, form, demo, lectures)
        VALUES (new.unit_id, date(new.day, 'weekday 0', '-6 days'), new.venue, new.form, new.demo <> 0, 1)
        ON CONFLICT (unit_id, week, venue, form, demo) DO UPDATE SET lectures = lectures + 1;
END;
--bun:split
-- 网上微课堂: the lectures an admin marked excellent (优秀), with why, by whom
-- and when (the city's digest lists the week's new ones).
CREATE TABLE excellent (
    lecture_id INTEGER PRIMARY KEY REFERENCES lectures (id),
    reason     TEXT    NOT NULL DEFAULT '',
    marked_by  TEXT    NOT NULL,
    marked_at  INTEGER NOT NULL
);
--bun:split
CREATE INDEX excellent_at ON excellent (marked_at);
--bun:split
-- The city pool: a county's lecturer recommended to the city (推荐), then
-- selected (入选) or declined (不入选, with the reason) by a city admin.
CREATE TABLE city_pool (
    instructor_id  INTEGER PRIMARY KEY REFERENCES instructors (id),
    status         TEXT    NOT NULL CHECK (status IN ('推荐', '入选', '不入选')),
    reason         TEXT    NOT NULL DEFAULT '',
    recommended_by TEXT    NOT NULL,
    recommended_at INTEGER NOT NULL,
    decided_by     TEXT    NOT NULL DEFAULT '',
    decided_at     INTEGER NOT NULL DEFAULT 0
);
