#!/usr/bin/env python3
"""Writes the PostgreSQL counterpart of the subtree-totals migration
(store/migrations/postgres/20261129002000_tree.tx.up.sql), as
gen_tree_sql.py writes the SQLite one: the same statements in PL/pgSQL
trigger functions. Conditions are booleans and counts integers (CASE),
upserts name their table (AS t), and each lecture trigger first takes a
transaction lock on its (unit, lecturer), so that replicas logging the
same lecturer at once see each other's days (the "first day" and "only
lecture that day" reads would otherwise race)."""
import re
import sys

ANC = "SELECT ancestor_id FROM unit_ancestors WHERE unit_id = {U}"

def i(cond):
    return f"(CASE WHEN {cond} THEN 1 ELSE 0 END)"

def streams(X, U):
    out = []
    for L, cond, active in ((0, "", "true"), (1, " AND leader <> 0", f"{X}.leader <> 0")):
        base = f"FROM lectures WHERE unit_id = {U} AND speaker = {X}.speaker AND withdrawn_at IS NULL{cond}"
        E = f"({active} AND NOT EXISTS (SELECT 1 {base} AND day = {X}.day AND id <> {X}.id))"
        P = f"(SELECT max(day) {base} AND day < {X}.day)"
        N = f"(SELECT min(day) {base} AND day > {X}.day)"
        out.append((L, E, P, N))
    return out

def fcol(L):
    return "firsts" if L == 0 else "leader_firsts"

def add_pair(L, U, d, p, when, sign):
    anc = ANC.format(U=U)
    s = "+" if sign > 0 else "-"
    return [
        f"""UPDATE tree_days SET {fcol(L)} = {fcol(L)} {s} 1 WHERE unit_id IN ({anc}) AND day = {d} AND {when} AND {p} IS NULL""",
        f"""INSERT INTO tree_firsts AS t (unit_id, leader, day, prev, n)
        SELECT ancestor_id, {L}, {d}, {p}, {sign} FROM unit_ancestors WHERE unit_id = {U} AND {when} AND {p} IS NOT NULL
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = t.n + excluded.n""",
    ]

def added(X, U):
    st = streams(X, U)
    (_, E0, P0, N0), (_, E1, P1, N1) = st
    stmts = [f"""INSERT INTO tree_days AS t (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT ancestor_id, {X}.day, 1, {X}.attendees, {X}.satisfied, {X}.surveyed, {i(E0)}, 0, {i(E1)}, 0
        FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id, day) DO UPDATE SET lectures = t.lectures + 1, attendees = t.attendees + excluded.attendees,
            satisfied = t.satisfied + excluded.satisfied, surveyed = t.surveyed + excluded.surveyed,
            events = t.events + excluded.events, leader_events = t.leader_events + excluded.leader_events"""]
    for L, E, P, N in st:
        stmts += add_pair(L, U, f"{X}.day", P, E, 1)
        stmts += add_pair(L, U, N, P, f"{E} AND {N} IS NOT NULL", -1)
        stmts += add_pair(L, U, N, f"{X}.day", f"{E} AND {N} IS NOT NULL", 1)
    stmts.append(f"DELETE FROM tree_firsts WHERE unit_id IN ({ANC.format(U=U)}) AND n = 0 AND day IN ({X}.day, {N0}, {N1})")
    return stmts

def removed(X, U):
    st = streams(X, U)
    (_, E0, P0, N0), (_, E1, P1, N1) = st
    stmts = []
    for L, E, P, N in st:
        stmts += add_pair(L, U, f"{X}.day", P, E, -1)
        stmts += add_pair(L, U, N, f"{X}.day", f"{E} AND {N} IS NOT NULL", -1)
        stmts += add_pair(L, U, N, P, f"{E} AND {N} IS NOT NULL", 1)
    stmts.append(f"""UPDATE tree_days SET lectures = lectures - 1, attendees = attendees - {X}.attendees,
        satisfied = satisfied - {X}.satisfied, surveyed = surveyed - {X}.surveyed,
        events = events - {i(E0)}, leader_events = leader_events - {i(E1)}
        WHERE unit_id IN ({ANC.format(U=U)}) AND day = {X}.day""")
    stmts.append(f"DELETE FROM tree_days WHERE unit_id IN ({ANC.format(U=U)}) AND day = {X}.day AND lectures = 0")
    stmts.append(f"DELETE FROM tree_firsts WHERE unit_id IN ({ANC.format(U=U)}) AND n = 0 AND day IN ({X}.day, {N0}, {N1})")
    return stmts

def own(U, sign):
    s = sign
    act = f"FROM lectures WHERE unit_id = {U} AND withdrawn_at IS NULL"
    stmts = [f"""INSERT INTO tree_days AS t (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT a.ancestor_id, d.day, {s} * d.n, {s} * d.attendees, {s} * d.satisfied, {s} * d.surveyed, {s} * d.events, 0, {s} * d.leader_events, 0
        FROM unit_ancestors a, (SELECT day, count(*) AS n, sum(attendees) AS attendees, sum(satisfied) AS satisfied,
            sum(surveyed) AS surveyed, count(DISTINCT speaker) AS events,
            count(DISTINCT CASE WHEN leader <> 0 THEN speaker END) AS leader_events {act} GROUP BY day) d
        WHERE a.unit_id = {U}
        ON CONFLICT (unit_id, day) DO UPDATE SET lectures = t.lectures + excluded.lectures, attendees = t.attendees + excluded.attendees,
            satisfied = t.satisfied + excluded.satisfied, surveyed = t.surveyed + excluded.surveyed,
            events = t.events + excluded.events, leader_events = t.leader_events + excluded.leader_events"""]
    for L, cond in ((0, ""), (1, " AND leader <> 0")):
        stmts.append(f"""UPDATE tree_days SET {fcol(L)} = {fcol(L)} + {s} * (SELECT count(*) FROM
            (SELECT min(day) AS first {act}{cond} GROUP BY speaker) f WHERE f.first = tree_days.day)
        WHERE unit_id IN ({ANC.format(U=U)}) AND day IN (SELECT day {act}{cond})""")
        stmts.append(f"""INSERT INTO tree_firsts AS t (unit_id, leader, day, prev, n)
        SELECT a.ancestor_id, {L}, e.day, e.prev, {s} * e.n FROM unit_ancestors a,
            (SELECT day, prev, count(*) AS n FROM (SELECT day, lag(day) OVER (PARTITION BY speaker ORDER BY day) AS prev
                FROM (SELECT DISTINCT speaker, day {act}{cond}) x) y WHERE prev IS NOT NULL GROUP BY day, prev) e
        WHERE a.unit_id = {U}
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = t.n + excluded.n""")
    stmts.append(f"DELETE FROM tree_days WHERE unit_id IN ({ANC.format(U=U)}) AND lectures = 0")
    stmts.append(f"DELETE FROM tree_firsts WHERE unit_id IN ({ANC.format(U=U)}) AND n = 0")
    return stmts

def units(U, members, sign):
    return [f"""INSERT INTO tree_units AS t (unit_id, units, members)
        SELECT ancestor_id, {sign}, {sign} * {members} FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id) DO UPDATE SET units = t.units + excluded.units, members = t.members + excluded.members"""]

def ancestors(U, ipath):
    return [f"DELETE FROM unit_ancestors WHERE unit_id = {U}",
            f"""INSERT INTO unit_ancestors (unit_id, ancestor_id)
        SELECT {U}, 0 WHERE {ipath} <> ''
        UNION ALL SELECT {U}, value FROM json_each('[' || replace(trim({ipath}, '/'), '/', ',') || ']')
        WHERE {ipath} <> '' AND value <> {U}"""]

def lock(X):
    # Replicas logging the same lecturer of a unit take turns here.
    return f"PERFORM pg_advisory_xact_lock(hashtextextended({X}.unit_id::text || '/' || {X}.speaker, 0))"

def trigger(name, event, when, stmts, body_when=None, pre=None):
    """A trigger function and its trigger: when is a condition without
    subqueries (the trigger's WHEN); body_when one the function tests."""
    body = ";\n    ".join(stmts) + ";"
    if body_when:
        body = f"IF {body_when} THEN\n    " + body.replace("\n    ", "\n        ") + "\n    END IF;"
    if pre:
        body = pre + ";\n    " + body
    w = f" WHEN ({when})" if when else ""
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    {body}\n    RETURN NULL;\nEND $$;\n"
            f"--bun:split\nCREATE TRIGGER {name} {event}\n    FOR EACH ROW{w} EXECUTE FUNCTION {name}();")

HEAD = """-- Totals kept per subtree (issue 13), for PostgreSQL: the counterpart of
-- the SQLite migration of the same name, generated by
-- scripts/gen_tree_sql_pg.py from the same statements. Each lecture
-- trigger first takes a transaction lock on its (unit, lecturer): replicas
-- logging the same lecturer at once take turns, so each sees the other's
-- days when it decides "first day" and "only lecture that day".

-- SQLite's json_each over an array of ids, as the closure's statements
-- (here and in store/tree.go) read units.ipath.
CREATE FUNCTION json_each(arr text) RETURNS TABLE (value bigint)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT x::bigint FROM json_array_elements_text(arr::json) AS x
$$;
--bun:split
CREATE TABLE unit_ancestors (
    unit_id     BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    PRIMARY KEY (unit_id, ancestor_id)
);
--bun:split
CREATE TABLE tree_units (
    unit_id BIGINT  PRIMARY KEY,
    units   INTEGER NOT NULL DEFAULT 0,
    members INTEGER NOT NULL DEFAULT 0
);
--bun:split
CREATE TABLE tree_days (
    unit_id       BIGINT  NOT NULL,
    day           TEXT    COLLATE "C" NOT NULL,
    lectures      INTEGER NOT NULL,
    attendees     INTEGER NOT NULL,
    satisfied     INTEGER NOT NULL,
    surveyed      INTEGER NOT NULL,
    events        INTEGER NOT NULL,
    firsts        INTEGER NOT NULL,
    leader_events INTEGER NOT NULL,
    leader_firsts INTEGER NOT NULL,
    PRIMARY KEY (unit_id, day)
);
--bun:split
CREATE TABLE tree_firsts (
    unit_id BIGINT  NOT NULL,
    leader  INTEGER NOT NULL,
    day     TEXT    COLLATE "C" NOT NULL,
    prev    TEXT    COLLATE "C" NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (unit_id, leader, day, prev)
);
--bun:split
CREATE INDEX units_parent ON units (parent_id);
--bun:split
DROP INDEX unit_weeks_week;"""

parts = [HEAD]
parts.append(trigger("units_placed_tree", "AFTER INSERT ON units", "new.ipath <> ''",
                     ancestors("new.id", "new.ipath") + units("new.id", "new.members", 1)))
parts.append(trigger("units_moved_tree", "AFTER UPDATE OF ipath ON units", "old.ipath IS DISTINCT FROM new.ipath",
                     units("old.id", "old.members", -1) + own("old.id", -1) + ancestors("new.id", "new.ipath")
                     + units("new.id", "new.members", 1) + own("new.id", 1)))
parts.append(trigger("units_members_tree", "AFTER UPDATE OF members ON units", "old.members <> new.members AND old.ipath = new.ipath",
                     [f"UPDATE tree_units SET members = members + new.members - old.members WHERE unit_id IN ({ANC.format(U='new.id')})"]))
parts.append(trigger("units_removed_tree", "AFTER DELETE ON units", None,
                     units("old.id", "old.members", -1) + own("old.id", -1) + [
                         "DELETE FROM unit_ancestors WHERE unit_id = old.id",
                         "DELETE FROM tree_units WHERE unit_id = old.id",
                         "DELETE FROM tree_days WHERE unit_id = old.id",
                         "DELETE FROM tree_firsts WHERE unit_id = old.id"]))
# A lecture logged: one function for both streams, in the order the SQLite
# triggers' statements take (each guarded by its trigger's WHEN).
X, U = "new", "new.unit_id"
body = []
for L, (_, E, P, N) in enumerate(streams(X, U)):
    if L == 0:
        body.append(f"""INSERT INTO tree_days AS t (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT ancestor_id, {X}.day, 1, {X}.attendees, {X}.satisfied, {X}.surveyed, {i(E)}, {i(f"{E} AND {P} IS NULL")}, 0, 0
        FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id, day) DO UPDATE SET lectures = t.lectures + 1, attendees = t.attendees + excluded.attendees,
            satisfied = t.satisfied + excluded.satisfied, surveyed = t.surveyed + excluded.surveyed,
            events = t.events + excluded.events, firsts = t.firsts + excluded.firsts""")
    else:
        body.append(f"""IF {E} THEN
        INSERT INTO tree_days AS t (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT ancestor_id, {X}.day, 0, 0, 0, 0, 0, 0, 1, {i(f"{P} IS NULL")} FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id, day) DO UPDATE SET leader_events = t.leader_events + 1, leader_firsts = t.leader_firsts + excluded.leader_firsts;
    END IF""")
    body.append(f"""IF {E} AND {P} IS NOT NULL THEN
        INSERT INTO tree_firsts AS t (unit_id, leader, day, prev, n)
        SELECT ancestor_id, {L}, {X}.day, {P}, 1 FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = t.n + 1;
    END IF""")
    nxt = add_pair(L, U, N, P, "true", -1) + add_pair(L, U, N, f"{X}.day", "true", 1) + \
        [f"DELETE FROM tree_firsts WHERE unit_id IN ({ANC.format(U=U)}) AND leader = {L} AND n = 0 AND day = {N}"]
    body.append(f"IF {E} AND {N} IS NOT NULL THEN\n        " + ";\n        ".join(nxt) + ";\n    END IF")
parts.append(trigger("lectures_added_tree", "AFTER INSERT ON lectures", "new.withdrawn_at IS NULL", body, pre=lock("new")))
parts.append(trigger("lectures_withdrawn_tree", "AFTER UPDATE OF withdrawn_at ON lectures",
                     "old.withdrawn_at IS NULL AND new.withdrawn_at IS NOT NULL", removed("old", "old.unit_id"), pre=lock("old")))
parts.append(trigger("lectures_moved_tree", "AFTER UPDATE OF unit_id ON lectures",
                     "old.withdrawn_at IS NULL AND new.withdrawn_at IS NULL AND old.unit_id <> new.unit_id",
                     removed("old", "old.unit_id") + added("new", "new.unit_id"), pre=lock("old") + ";\n    " + lock("new")))
parts.append("""INSERT INTO unit_ancestors (unit_id, ancestor_id)
    SELECT id, 0 FROM units WHERE ipath <> ''
    UNION ALL SELECT u.id, j.value FROM units u, json_each('[' || replace(trim(u.ipath, '/'), '/', ',') || ']') j
    WHERE u.ipath <> '' AND j.value <> u.id;""")
parts.append("""INSERT INTO tree_units (unit_id, units, members)
    SELECT a.ancestor_id, count(*), sum(u.members) FROM unit_ancestors a JOIN units u ON u.id = a.unit_id GROUP BY a.ancestor_id;""")
go = open("store/tree.go").read()
def const(name):
    return re.search(name + r" = `(.*?)`", go, re.S).group(1)
parts.append("INSERT INTO tree_days (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)\n" + const("treeDaysCounted") + ";")
parts.append("INSERT INTO tree_firsts (unit_id, leader, day, prev, n)\n" + const("treeFirstsCounted") + ";")
if __name__ == "__main__":  # imported by gen_unset_buckets_sql.py for its statements
    sys.stdout.write("\n--bun:split\n".join(parts) + "\n")
