-- 示范宣讲, the lecture forms, the online micro-classroom (网上微课堂) and
-- the city pool, for PostgreSQL (see the SQLite migration of the same
-- name). show_totals and show_weeks are kept by PL/pgSQL triggers: each
-- change is an upsert of deltas, atomic with many writers at once.
ALTER TABLE lectures ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
--bun:split
CREATE TABLE show_totals (
    unit_id BIGINT PRIMARY KEY,
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
    unit_id BIGINT NOT NULL,
    week    TEXT   COLLATE "C" NOT NULL,
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
);
--bun:split
CREATE INDEX show_weeks_week ON show_weeks (week, unit_id, f1, f2, f3, v0, v1, v2, v3, v4, v5);
--bun:split
INSERT INTO show_totals (unit_id, f1, f2, f3, v0, v1, v2, v3, v4, v5)
    SELECT l.unit_id, sum(CASE WHEN l.form IN ('普通', '') THEN 1 ELSE 0 END), sum(CASE WHEN l.form = '情景' THEN 1 ELSE 0 END), sum(CASE WHEN l.form = '文艺' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '机关' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '社区' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '企业' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '农村' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '学校' THEN 1 ELSE 0 END) FROM lectures l WHERE l.withdrawn_at IS NULL GROUP BY 1;
--bun:split
INSERT INTO show_weeks (unit_id, week, f1, f2, f3, v0, v1, v2, v3, v4, v5)
    SELECT l.unit_id, date(l.day, 'weekday 0', '-6 days'), sum(CASE WHEN l.form IN ('普通', '') THEN 1 ELSE 0 END), sum(CASE WHEN l.form = '情景' THEN 1 ELSE 0 END), sum(CASE WHEN l.form = '文艺' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '机关' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '社区' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '企业' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '农村' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '学校' THEN 1 ELSE 0 END) FROM lectures l WHERE l.withdrawn_at IS NULL GROUP BY 1, 2;
--bun:split
-- shows_apply adds (sgn 1) or takes away (sgn -1) one lecture's counts; a
-- row left with no lecture is deleted.
CREATE FUNCTION shows_apply(u bigint, d text, frm text, dm integer, ven text, sgn integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    wk text := date(d, 'weekday 0', '-6 days');
    d_f1 integer := sgn * CASE WHEN frm IN ('普通', '') THEN 1 ELSE 0 END;
    d_f2 integer := sgn * CASE WHEN frm = '情景' THEN 1 ELSE 0 END;
    d_f3 integer := sgn * CASE WHEN frm = '文艺' THEN 1 ELSE 0 END;
    d_v0 integer := sgn * CASE WHEN dm <> 0 AND ven = '' THEN 1 ELSE 0 END;
    d_v1 integer := sgn * CASE WHEN dm <> 0 AND ven = '机关' THEN 1 ELSE 0 END;
    d_v2 integer := sgn * CASE WHEN dm <> 0 AND ven = '社区' THEN 1 ELSE 0 END;
    d_v3 integer := sgn * CASE WHEN dm <> 0 AND ven = '企业' THEN 1 ELSE 0 END;
    d_v4 integer := sgn * CASE WHEN dm <> 0 AND ven = '农村' THEN 1 ELSE 0 END;
    d_v5 integer := sgn * CASE WHEN dm <> 0 AND ven = '学校' THEN 1 ELSE 0 END;
BEGIN
    INSERT INTO show_totals AS t (unit_id, f1, f2, f3, v0, v1, v2, v3, v4, v5) VALUES (u, d_f1, d_f2, d_f3, d_v0, d_v1, d_v2, d_v3, d_v4, d_v5)
        ON CONFLICT (unit_id) DO UPDATE SET f1 = t.f1 + excluded.f1, f2 = t.f2 + excluded.f2, f3 = t.f3 + excluded.f3, v0 = t.v0 + excluded.v0, v1 = t.v1 + excluded.v1, v2 = t.v2 + excluded.v2, v3 = t.v3 + excluded.v3, v4 = t.v4 + excluded.v4, v5 = t.v5 + excluded.v5;
    INSERT INTO show_weeks AS t (unit_id, week, f1, f2, f3, v0, v1, v2, v3, v4, v5) VALUES (u, wk, d_f1, d_f2, d_f3, d_v0, d_v1, d_v2, d_v3, d_v4, d_v5)
        ON CONFLICT (unit_id, week) DO UPDATE SET f1 = t.f1 + excluded.f1, f2 = t.f2 + excluded.f2, f3 = t.f3 + excluded.f3, v0 = t.v0 + excluded.v0, v1 = t.v1 + excluded.v1, v2 = t.v2 + excluded.v2, v3 = t.v3 + excluded.v3, v4 = t.v4 + excluded.v4, v5 = t.v5 + excluded.v5;
    IF sgn < 0 THEN
        DELETE FROM show_totals WHERE unit_id = u AND f1 = 0 AND f2 = 0 AND f3 = 0;
        DELETE FROM show_weeks WHERE unit_id = u AND week = wk AND f1 = 0 AND f2 = 0 AND f3 = 0;
    END IF;
END $$;
--bun:split
CREATE FUNCTION shows_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shows_apply(new.unit_id, new.day, new.form, new.demo, new.venue, 1);
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER shows_added AFTER INSERT ON lectures
    FOR EACH ROW WHEN (new.withdrawn_at IS NULL) EXECUTE FUNCTION shows_added();
--bun:split
CREATE FUNCTION shows_withdrawn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shows_apply(old.unit_id, old.day, old.form, old.demo, old.venue, -1);
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER shows_withdrawn AFTER UPDATE OF withdrawn_at ON lectures
    FOR EACH ROW WHEN (old.withdrawn_at IS NULL AND new.withdrawn_at IS NOT NULL) EXECUTE FUNCTION shows_withdrawn();
--bun:split
-- A lecture whose unit, day, venue, form or 示范 changes (a merge of units,
-- /补充) moves from its old rows to its new ones.
CREATE FUNCTION shows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shows_apply(old.unit_id, old.day, old.form, old.demo, old.venue, -1);
    PERFORM shows_apply(new.unit_id, new.day, new.form, new.demo, new.venue, 1);
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER shows_changed AFTER UPDATE OF unit_id, day, venue, form, demo ON lectures
    FOR EACH ROW WHEN (old.withdrawn_at IS NULL AND new.withdrawn_at IS NULL) EXECUTE FUNCTION shows_changed();
--bun:split
CREATE TABLE excellent (
    lecture_id BIGINT PRIMARY KEY REFERENCES lectures (id),
    reason     TEXT   NOT NULL DEFAULT '',
    marked_by  TEXT   NOT NULL,
    marked_at  BIGINT NOT NULL
);
--bun:split
CREATE INDEX excellent_at ON excellent (marked_at);
--bun:split
CREATE TABLE city_pool (
    instructor_id  BIGINT PRIMARY KEY REFERENCES instructors (id),
    status         TEXT   NOT NULL CHECK (status IN ('推荐', '入选', '不入选')),
    reason         TEXT   NOT NULL DEFAULT '',
    recommended_by TEXT   NOT NULL,
    recommended_at BIGINT NOT NULL,
    decided_by     TEXT   NOT NULL DEFAULT '',
    decided_at     BIGINT NOT NULL DEFAULT 0
);
