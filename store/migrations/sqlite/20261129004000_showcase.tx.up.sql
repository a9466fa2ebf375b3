-- 示范宣讲, the lecture forms, the online micro-classroom (网上微课堂) and
-- the city pool (issue 14, items 4-7).
--
-- lectures.demo marks a 示范宣讲: a pool lecturer at one of the five
-- venues, or 示范=是. It is set in the transaction that logs the lecture
-- (or fills it in, /补充).
ALTER TABLE lectures ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
--bun:split
-- show_totals: a unit's own lectures by form (f1 普通, f2 情景, f3 文艺) and
-- its 示范宣讲 by venue (v0 none given, v1 机关, v2 社区, v3 企业, v4 农村,
-- v5 学校), one row a unit, so that /统计 全市 sums one row per unit as it
-- does unit_totals; show_weeks: the same per unit and week (a week is named
-- by its Monday), for periods. Kept by the triggers below in the statement
-- that writes a lecture, as unit_totals and unit_weeks are; a row whose
-- lectures all went is deleted, so nothing here keeps a unit from removal.
CREATE TABLE show_totals (
    unit_id INTEGER PRIMARY KEY,
    f1 INTEGER NOT NULL DEFAULT 0,
    f2 INTEGER NOT NULL DEFAULT 0,
    f3 INTEGER NOT NULL DEFAULT 0,
    v0 INTEGER NOT NULL DEFAULT 0,
    v1 INTEGER NOT NULL DEFAULT 0,
    v2 INTEGER NOT NULL DEFAULT 0,
    v3 INTEGER NOT NULL DEFAULT 0,
    v4 INTEGER NOT NULL DEFAULT 0,
    v5 INTEGER NOT NULL DEFAULT 0
);
--bun:split
CREATE TABLE show_weeks (
    unit_id INTEGER NOT NULL,
    week    TEXT    NOT NULL,
    f1 INTEGER NOT NULL DEFAULT 0,
    f2 INTEGER NOT NULL DEFAULT 0,
    f3 INTEGER NOT NULL DEFAULT 0,
    v0 INTEGER NOT NULL DEFAULT 0,
    v1 INTEGER NOT NULL DEFAULT 0,
    v2 INTEGER NOT NULL DEFAULT 0,
    v3 INTEGER NOT NULL DEFAULT 0,
    v4 INTEGER NOT NULL DEFAULT 0,
    v5 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, week)
) WITHOUT ROWID;
--bun:split
-- The whole province's weeks are read by week through this index.
CREATE INDEX show_weeks_week ON show_weeks (week, unit_id, f1, f2, f3, v0, v1, v2, v3, v4, v5);
--bun:split
INSERT INTO show_totals (unit_id, f1, f2, f3, v0, v1, v2, v3, v4, v5)
    SELECT l.unit_id, sum(l.form IN ('普通', '')), sum(l.form = '情景'), sum(l.form = '文艺'), sum((l.demo <> 0 AND l.venue = '')), sum((l.demo <> 0 AND l.venue = '机关')), sum((l.demo <> 0 AND l.venue = '社区')), sum((l.demo <> 0 AND l.venue = '企业')), sum((l.demo <> 0 AND l.venue = '农村')), sum((l.demo <> 0 AND l.venue = '学校')) FROM lectures l WHERE l.withdrawn_at IS NULL GROUP BY 1;
--bun:split
INSERT INTO show_weeks (unit_id, week, f1, f2, f3, v0, v1, v2, v3, v4, v5)
    SELECT l.unit_id, date(l.day, 'weekday 0', '-6 days'), sum(l.form IN ('普通', '')), sum(l.form = '情景'), sum(l.form = '文艺'), sum((l.demo <> 0 AND l.venue = '')), sum((l.demo <> 0 AND l.venue = '机关')), sum((l.demo <> 0 AND l.venue = '社区')), sum((l.demo <> 0 AND l.venue = '企业')), sum((l.demo <> 0 AND l.venue = '农村')), sum((l.demo <> 0 AND l.venue = '学校')) FROM lectures l WHERE l.withdrawn_at IS NULL GROUP BY 1, 2;
--bun:split
CREATE TRIGGER shows_added AFTER INSERT ON lectures WHEN new.withdrawn_at IS NULL
BEGIN
    INSERT INTO show_totals (unit_id, f1, f2, f3, v0, v1, v2, v3, v4, v5)
        VALUES (new.unit_id, (new.form IN ('普通', '')), (new.form = '情景'), (new.form = '文艺'), ((new.demo <> 0 AND new.venue = '')), ((new.demo <> 0 AND new.venue = '机关')), ((new.demo <> 0 AND new.venue = '社区')), ((new.demo <> 0 AND new.venue = '企业')), ((new.demo <> 0 AND new.venue = '农村')), ((new.demo <> 0 AND new.venue = '学校')))
        ON CONFLICT (unit_id) DO UPDATE SET f1 = f1 + excluded.f1, f2 = f2 + excluded.f2, f3 = f3 + excluded.f3, v0 = v0 + excluded.v0, v1 = v1 + excluded.v1, v2 = v2 + excluded.v2, v3 = v3 + excluded.v3, v4 = v4 + excluded.v4, v5 = v5 + excluded.v5;
    INSERT INTO show_weeks (unit_id, week, f1, f2, f3, v0, v1, v2, v3, v4, v5)
        VALUES (new.unit_id, date(new.day, 'weekday 0', '-6 days'), (new.form IN ('普通', '')), (new.form = '情景'), (new.form = '文艺'), ((new.demo <> 0 AND new.venue = '')), ((new.demo <> 0 AND new.venue = '机关')), ((new.demo <> 0 AND new.venue = '社区')), ((new.demo <> 0 AND new.venue = '企业')), ((new.demo <> 0 AND new.venue = '农村')), ((new.demo <> 0 AND new.venue = '学校')))
        ON CONFLICT (unit_id, week) DO UPDATE SET f1 = f1 + excluded.f1, f2 = f2 + excluded.f2, f3 = f3 + excluded.f3, v0 = v0 + excluded.v0, v1 = v1 + excluded.v1, v2 = v2 + excluded.v2, v3 = v3 + excluded.v3, v4 = v4 + excluded.v4, v5 = v5 + excluded.v5;
END;
--bun:split
CREATE TRIGGER shows_withdrawn AFTER UPDATE OF withdrawn_at ON lectures
    WHEN old.withdrawn_at IS NULL AND new.withdrawn_at IS NOT NULL
BEGIN
    INSERT INTO show_totals (unit_id, f1, f2, f3, v0, v1, v2, v3, v4, v5)
        VALUES (old.unit_id, -(old.form IN ('普通', '')), -(old.form = '情景'), -(old.form = '文艺'), -((old.demo <> 0 AND old.venue = '')), -((old.demo <> 0 AND old.venue = '机关')), -((old.demo <> 0 AND old.venue = '社区')), -((old.demo <> 0 AND old.venue = '企业')), -((old.demo <> 0 AND old.venue = '农村')), -((old.demo <> 0 AND old.venue = '学校')))
        ON CONFLICT (unit_id) DO UPDATE SET f1 = f1 + excluded.f1, f2 = f2 + excluded.f2, f3 = f3 + excluded.f3, v0 = v0 + excluded.v0, v1 = v1 + excluded.v1, v2 = v2 + excluded.v2, v3 = v3 + excluded.v3, v4 = v4 + excluded.v4, v5 = v5 + excluded.v5;
    DELETE FROM show_totals WHERE unit_id = old.unit_id AND f1 = 0 AND f2 = 0 AND f3 = 0;
    INSERT INTO show_weeks (unit_id, week, f1, f2, f3, v0, v1, v2, v3, v4, v5)
        VALUES (old.unit_id, date(old.day, 'weekday 0', '-6 days'), -(old.form IN ('普通', '')), -(old.form = '情景'), -(old.form = '文艺'), -((old.demo <> 0 AND old.venue = '')), -((old.demo <> 0 AND old.venue = '机关')), -((old.demo <> 0 AND old.venue = '社区')), -((old.demo <> 0 AND old.venue = '企业')), -((old.demo <> 0 AND old.venue = '农村')), -((old.demo <> 0 AND old.venue = '学校')))
        ON CONFLICT (unit_id, week) DO UPDATE SET f1 = f1 + excluded.f1, f2 = f2 + excluded.f2, f3 = f3 + excluded.f3, v0 = v0 + excluded.v0, v1 = v1 + excluded.v1, v2 = v2 + excluded.v2, v3 = v3 + excluded.v3, v4 = v4 + excluded.v4, v5 = v5 + excluded.v5;
    DELETE FROM show_weeks WHERE unit_id = old.unit_id AND week = date(old.day, 'weekday 0', '-6 days') AND f1 = 0 AND f2 = 0 AND f3 = 0;
END;
--bun:split
-- A lecture whose unit, day, venue, form or 示范 changes (a merge of units,
-- /补充) moves from its old rows to its new ones.
CREATE TRIGGER shows_changed AFTER UPDATE OF unit_id, day, venue, form, demo ON lectures
    WHEN old.withdrawn_at IS NULL AND new.withdrawn_at IS NULL
BEGIN
    INSERT INTO show_totals (unit_id, f1, f2, f3, v0, v1, v2, v3, v4, v5)
        VALUES (old.unit_id, -(old.form IN ('普通', '')), -(old.form = '情景'), -(old.form = '文艺'), -((old.demo <> 0 AND old.venue = '')), -((old.demo <> 0 AND old.venue = '机关')), -((old.demo <> 0 AND old.venue = '社区')), -((old.demo <> 0 AND old.venue = '企业')), -((old.demo <> 0 AND old.venue = '农村')), -((old.demo <> 0 AND old.venue = '学校')))
        ON CONFLICT (unit_id) DO UPDATE SET f1 = f1 + excluded.f1, f2 = f2 + excluded.f2, f3 = f3 + excluded.f3, v0 = v0 + excluded.v0, v1 = v1 + excluded.v1, v2 = v2 + excluded.v2, v3 = v3 + excluded.v3, v4 = v4 + excluded.v4, v5 = v5 + excluded.v5;
    DELETE FROM show_totals WHERE unit_id = old.unit_id AND f1 = 0 AND f2 = 0 AND f3 = 0;
    INSERT INTO show_weeks (unit_id, week, f1, f2, f3, v0, v1, v2, v3, v4, v5)
        VALUES (old.unit_id, date(old.day, 'weekday 0', '-6 days'), -(old.form IN ('普通', '')), -(old.form = '情景'), -(old.form = '文艺'), -((old.demo <> 0 AND old.venue = '')), -((old.demo <> 0 AND old.venue = '机关')), -((old.demo <> 0 AND old.venue = '社区')), -((old.demo <> 0 AND old.venue = '企业')), -((old.demo <> 0 AND old.venue = '农村')), -((old.demo <> 0 AND old.venue = '学校')))
        ON CONFLICT (unit_id, week) DO UPDATE SET f1 = f1 + excluded.f1, f2 = f2 + excluded.f2, f3 = f3 + excluded.f3, v0 = v0 + excluded.v0, v1 = v1 + excluded.v1, v2 = v2 + excluded.v2, v3 = v3 + excluded.v3, v4 = v4 + excluded.v4, v5 = v5 + excluded.v5;
    DELETE FROM show_weeks WHERE unit_id = old.unit_id AND week = date(old.day, 'weekday 0', '-6 days') AND f1 = 0 AND f2 = 0 AND f3 = 0;
    INSERT INTO show_totals (unit_id, f1, f2, f3, v0, v1, v2, v3, v4, v5)
        VALUES (new.unit_id, (new.form IN ('普通', '')), (new.form = '情景'), (new.form = '文艺'), ((new.demo <> 0 AND new.venue = '')), ((new.demo <> 0 AND new.venue = '机关')), ((new.demo <> 0 AND new.venue = '社区')), ((new.demo <> 0 AND new.venue = '企业')), ((new.demo <> 0 AND new.venue = '农村')), ((new.demo <> 0 AND new.venue = '学校')))
        ON CONFLICT (unit_id) DO UPDATE SET f1 = f1 + excluded.f1, f2 = f2 + excluded.f2, f3 = f3 + excluded.f3, v0 = v0 + excluded.v0, v1 = v1 + excluded.v1, v2 = v2 + excluded.v2, v3 = v3 + excluded.v3, v4 = v4 + excluded.v4, v5 = v5 + excluded.v5;
    INSERT INTO show_weeks (unit_id, week, f1, f2, f3, v0, v1, v2, v3, v4, v5)
        VALUES (new.unit_id, date(new.day, 'weekday 0', '-6 days'), (new.form IN ('普通', '')), (new.form = '情景'), (new.form = '文艺'), ((new.demo <> 0 AND new.venue = '')), ((new.demo <> 0 AND new.venue = '机关')), ((new.demo <> 0 AND new.venue = '社区')), ((new.demo <> 0 AND new.venue = '企业')), ((new.demo <> 0 AND new.venue = '农村')), ((new.demo <> 0 AND new.venue = '学校')))
        ON CONFLICT (unit_id, week) DO UPDATE SET f1 = f1 + excluded.f1, f2 = f2 + excluded.f2, f3 = f3 + excluded.f3, v0 = v0 + excluded.v0, v1 = v1 + excluded.v1, v2 = v2 + excluded.v2, v3 = v3 + excluded.v3, v4 = v4 + excluded.v4, v5 = v5 + excluded.v5;
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
