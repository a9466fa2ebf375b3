#!/usr/bin/env python3
"""Writes the migration that keeps subtree totals (tree_days, tree_firsts,
tree_units) per ancestor. The triggers repeat one pattern per lecturer
stream (every lecture; leading cadres' lectures), so they are generated."""
import sys

ANC = "SELECT ancestor_id FROM unit_ancestors WHERE unit_id = {U}"

def streams(X, U):
    """Expressions of lecture X (new/old) in unit U: per stream L, whether it is
    an event of the stream (the pair's only active lecture that day), the
    previous day and the next day of the pair in the stream."""
    out = []
    for L, cond, active in ((0, "", "1"), (1, " AND leader <> 0", f"{X}.leader <> 0")):
        base = f"FROM lectures WHERE unit_id = {U} AND speaker = {X}.speaker AND withdrawn_at IS NULL{cond}"
        E = f"({active} AND NOT EXISTS (SELECT 1 {base} AND day = {X}.day AND id <> {X}.id))"
        P = f"(SELECT max(day) {base} AND day < {X}.day)"
        N = f"(SELECT min(day) {base} AND day > {X}.day)"
        out.append((L, E, P, N))
    return out

def fcol(L):
    return "firsts" if L == 0 else "leader_firsts"

def add_pair(L, U, d, p, when, sign):
    """An event of stream L on day d after day p (NULL: the first) counts sign."""
    anc = ANC.format(U=U)
    s = "+" if sign > 0 else "-"
    return [
        f"""UPDATE tree_days SET {fcol(L)} = {fcol(L)} {s} 1 WHERE unit_id IN ({anc}) AND day = {d} AND {when} AND {p} IS NULL""",
        f"""INSERT INTO tree_firsts (unit_id, leader, day, prev, n)
        SELECT ancestor_id, {L}, {d}, {p}, {sign} FROM unit_ancestors WHERE unit_id = {U} AND {when} AND {p} IS NOT NULL
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = n + excluded.n""",
    ]

def added(X, U):
    """Statements adding lecture X (active) to unit U's ancestors."""
    st = streams(X, U)
    (_, E0, P0, N0), (_, E1, P1, N1) = st
    stmts = [f"""INSERT INTO tree_days (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT ancestor_id, {X}.day, 1, {X}.attendees, {X}.satisfied, {X}.surveyed, {E0}, 0, {E1}, 0
        FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id, day) DO UPDATE SET lectures = lectures + 1, attendees = attendees + excluded.attendees,
            satisfied = satisfied + excluded.satisfied, surveyed = surveyed + excluded.surveyed,
            events = events + excluded.events, leader_events = leader_events + excluded.leader_events"""]
    for L, E, P, N in st:
        # new event at d after P; the next event N, if any, now follows d.
        stmts += add_pair(L, U, f"{X}.day", P, E, 1)
        stmts += add_pair(L, U, N, P, f"{E} AND {N} IS NOT NULL", -1)
        stmts += add_pair(L, U, N, f"{X}.day", f"{E} AND {N} IS NOT NULL", 1)
    stmts.append(f"DELETE FROM tree_firsts WHERE unit_id IN ({ANC.format(U=U)}) AND n = 0 AND day IN ({X}.day, {N0}, {N1})")
    return stmts

def removed(X, U):
    """Statements taking lecture X (no longer active in U) from U's ancestors."""
    st = streams(X, U)
    (_, E0, P0, N0), (_, E1, P1, N1) = st
    stmts = []
    for L, E, P, N in st:
        stmts += add_pair(L, U, f"{X}.day", P, E, -1)
        stmts += add_pair(L, U, N, f"{X}.day", f"{E} AND {N} IS NOT NULL", -1)
        stmts += add_pair(L, U, N, P, f"{E} AND {N} IS NOT NULL", 1)
    stmts.append(f"""UPDATE tree_days SET lectures = lectures - 1, attendees = attendees - {X}.attendees,
        satisfied = satisfied - {X}.satisfied, surveyed = surveyed - {X}.surveyed,
        events = events - {E0}, leader_events = leader_events - {E1}
        WHERE unit_id IN ({ANC.format(U=U)}) AND day = {X}.day""")
    stmts.append(f"DELETE FROM tree_days WHERE unit_id IN ({ANC.format(U=U)}) AND day = {X}.day AND lectures = 0")
    stmts.append(f"DELETE FROM tree_firsts WHERE unit_id IN ({ANC.format(U=U)}) AND n = 0 AND day IN ({X}.day, {N0}, {N1})")
    return stmts

def own(U, sign):
    """Statements adding (sign 1) or taking away (-1) all of unit U's own
    active lectures at its current ancestors."""
    s = sign
    act = f"FROM lectures WHERE unit_id = {U} AND withdrawn_at IS NULL"
    stmts = [f"""INSERT INTO tree_days (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT a.ancestor_id, d.day, {s} * d.n, {s} * d.attendees, {s} * d.satisfied, {s} * d.surveyed, {s} * d.events, 0, {s} * d.leader_events, 0
        FROM unit_ancestors a, (SELECT day, count(*) AS n, sum(attendees) AS attendees, sum(satisfied) AS satisfied,
            sum(surveyed) AS surveyed, count(DISTINCT speaker) AS events,
            count(DISTINCT CASE WHEN leader <> 0 THEN speaker END) AS leader_events {act} GROUP BY day) d
        WHERE a.unit_id = {U}
        ON CONFLICT (unit_id, day) DO UPDATE SET lectures = lectures + excluded.lectures, attendees = attendees + excluded.attendees,
            satisfied = satisfied + excluded.satisfied, surveyed = surveyed + excluded.surveyed,
            events = events + excluded.events, leader_events = leader_events + excluded.leader_events"""]
    for L, cond in ((0, ""), (1, " AND leader <> 0")):
        stmts.append(f"""UPDATE tree_days SET {fcol(L)} = {fcol(L)} + {s} * (SELECT count(*) FROM
            (SELECT min(day) AS first {act}{cond} GROUP BY speaker) f WHERE f.first = tree_days.day)
        WHERE unit_id IN ({ANC.format(U=U)}) AND day IN (SELECT day {act}{cond})""")
        stmts.append(f"""INSERT INTO tree_firsts (unit_id, leader, day, prev, n)
        SELECT a.ancestor_id, {L}, e.day, e.prev, {s} * e.n FROM unit_ancestors a,
            (SELECT day, prev, count(*) AS n FROM (SELECT day, lag(day) OVER (PARTITION BY speaker ORDER BY day) AS prev
                FROM (SELECT DISTINCT speaker, day {act}{cond})) WHERE prev IS NOT NULL GROUP BY day, prev) e
        WHERE a.unit_id = {U}
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = n + excluded.n""")
    stmts.append(f"DELETE FROM tree_days WHERE unit_id IN ({ANC.format(U=U)}) AND lectures = 0")
    stmts.append(f"DELETE FROM tree_firsts WHERE unit_id IN ({ANC.format(U=U)}) AND n = 0")
    return stmts

def units(U, members, sign):
    return [f"""INSERT INTO tree_units (unit_id, units, members)
        SELECT ancestor_id, {sign}, {sign} * {members} FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id) DO UPDATE SET units = units + excluded.units, members = members + excluded.members"""]

def ancestors(U, ipath):
    return [f"DELETE FROM unit_ancestors WHERE unit_id = {U}",
            f"""INSERT INTO unit_ancestors (unit_id, ancestor_id)
        SELECT {U}, 0 WHERE {ipath} <> ''
        UNION ALL SELECT {U}, value FROM json_each('[' || replace(trim({ipath}, '/'), '/', ',') || ']')
        WHERE {ipath} <> '' AND value <> {U}"""]

def trigger(name, head, stmts):
    return f"CREATE TRIGGER {name} {head}\nBEGIN\n    " + ";\n    ".join(stmts) + ";\nEND;"

HEAD = """-- Totals kept per subtree (issue 13): every lecture is added, in its
-- writing transaction, to the rows of each unit above its own unit and of
-- the whole province (unit 0), so that a figure at any level over any
-- period is a few indexed reads. Generated by scripts/gen_tree_sql.py.
--
-- unit_ancestors: a closure table, (unit, each unit strictly above it) and
-- (unit, 0), kept from units.ipath by the triggers below.
CREATE TABLE unit_ancestors (
    unit_id     INTEGER NOT NULL,
    ancestor_id INTEGER NOT NULL,
    PRIMARY KEY (unit_id, ancestor_id)
) WITHOUT ROWID;
--bun:split
-- tree_units: the units strictly below a unit (0: all) and their members.
CREATE TABLE tree_units (
    unit_id INTEGER PRIMARY KEY,
    units   INTEGER NOT NULL DEFAULT 0,
    members INTEGER NOT NULL DEFAULT 0
);
--bun:split
-- tree_days: the lectures strictly below a unit on a day. A lecturer of a
-- unit (unit, name) lecturing on a day is an event (events); firsts counts
-- the events that are the lecturer's first active day, leader_* the same
-- for lectures given as a leading cadre.
CREATE TABLE tree_days (
    unit_id       INTEGER NOT NULL,
    day           TEXT    NOT NULL,
    lectures      INTEGER NOT NULL,
    attendees     INTEGER NOT NULL,
    satisfied     INTEGER NOT NULL,
    surveyed      INTEGER NOT NULL,
    events        INTEGER NOT NULL,
    firsts        INTEGER NOT NULL,
    leader_events INTEGER NOT NULL,
    leader_firsts INTEGER NOT NULL,
    PRIMARY KEY (unit_id, day)
) WITHOUT ROWID;
--bun:split
-- tree_firsts: the other events, counted by day and the lecturer's
-- previous active day (prev). The distinct lecturers of days [a, b] are the
-- events of those days whose previous day is before a: the firsts, and
-- the rows with prev < a.
CREATE TABLE tree_firsts (
    unit_id INTEGER NOT NULL,
    leader  INTEGER NOT NULL,
    day     TEXT    NOT NULL,
    prev    TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (unit_id, leader, day, prev)
) WITHOUT ROWID;
--bun:split
CREATE INDEX units_parent ON units (parent_id);
--bun:split
-- The province's week figures come from tree_days now: the by-week index
-- of unit_weeks is a write on every lecture that no query reads.
DROP INDEX unit_weeks_week;"""

parts = [HEAD]
parts.append(trigger("units_placed_tree", "AFTER INSERT ON units WHEN new.ipath <> ''",
                     ancestors("new.id", "new.ipath") + units("new.id", "new.members", 1)))
parts.append(trigger("units_moved_tree", "AFTER UPDATE OF ipath ON units WHEN old.ipath IS NOT new.ipath",
                     units("old.id", "old.members", -1) + own("old.id", -1) + ancestors("new.id", "new.ipath")
                     + units("new.id", "new.members", 1) + own("new.id", 1)))
parts.append(trigger("units_members_tree", "AFTER UPDATE OF members ON units WHEN old.members <> new.members AND old.ipath = new.ipath",
                     [f"UPDATE tree_units SET members = members + new.members - old.members WHERE unit_id IN ({ANC.format(U='new.id')})"]))
parts.append(trigger("units_removed_tree", "AFTER DELETE ON units",
                     units("old.id", "old.members", -1) + own("old.id", -1) + [
                         "DELETE FROM unit_ancestors WHERE unit_id = old.id",
                         "DELETE FROM tree_units WHERE unit_id = old.id",
                         "DELETE FROM tree_days WHERE unit_id = old.id",
                         "DELETE FROM tree_firsts WHERE unit_id = old.id"]))
# A lecture logged: split by what it changes, so that the usual lecture
# (not a leading cadre's, its lecturer's latest day) runs few statements;
# each trigger's WHEN is evaluated once.
X, U = "new", "new.unit_id"
for L, (_, E, P, N) in enumerate(streams(X, U)):
    name = ("lectures_added_tree", "lectures_added_tree_leader")[L]
    if L == 0:
        parts.append(trigger(name + "_day", "AFTER INSERT ON lectures WHEN new.withdrawn_at IS NULL", [f"""INSERT INTO tree_days (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT ancestor_id, {X}.day, 1, {X}.attendees, {X}.satisfied, {X}.surveyed, {E}, {E} AND {P} IS NULL, 0, 0
        FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id, day) DO UPDATE SET lectures = lectures + 1, attendees = attendees + excluded.attendees,
            satisfied = satisfied + excluded.satisfied, surveyed = surveyed + excluded.surveyed,
            events = events + excluded.events, firsts = firsts + excluded.firsts"""]))
    else:
        # (an upsert: triggers fire in no set order, the day's row may not be there yet)
        parts.append(trigger(name + "_day", f"AFTER INSERT ON lectures WHEN new.withdrawn_at IS NULL AND {E}", [
            f"""INSERT INTO tree_days (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)
        SELECT ancestor_id, {X}.day, 0, 0, 0, 0, 0, 0, 1, {P} IS NULL FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id, day) DO UPDATE SET leader_events = leader_events + 1, leader_firsts = leader_firsts + excluded.leader_firsts"""]))
    parts.append(trigger(name + "_prev", f"AFTER INSERT ON lectures WHEN new.withdrawn_at IS NULL AND {E} AND {P} IS NOT NULL",
                         [f"""INSERT INTO tree_firsts (unit_id, leader, day, prev, n)
        SELECT ancestor_id, {L}, {X}.day, {P}, 1 FROM unit_ancestors WHERE unit_id = {U}
        ON CONFLICT (unit_id, leader, day, prev) DO UPDATE SET n = n + 1"""]))
    # A day before the lecturer's latest: the next day now follows this one.
    parts.append(trigger(name + "_next", f"AFTER INSERT ON lectures WHEN new.withdrawn_at IS NULL AND {E} AND {N} IS NOT NULL",
                         add_pair(L, U, N, P, "1", -1) + add_pair(L, U, N, f"{X}.day", "1", 1) +
                         [f"DELETE FROM tree_firsts WHERE unit_id IN ({ANC.format(U=U)}) AND leader = {L} AND n = 0 AND day = {N}"]))
parts.append(trigger("lectures_withdrawn_tree",
                     "AFTER UPDATE OF withdrawn_at ON lectures WHEN old.withdrawn_at IS NULL AND new.withdrawn_at IS NOT NULL",
                     removed("old", "old.unit_id")))
parts.append(trigger("lectures_moved_tree",
                     "AFTER UPDATE OF unit_id ON lectures WHEN old.withdrawn_at IS NULL AND new.withdrawn_at IS NULL AND old.unit_id <> new.unit_id",
                     removed("old", "old.unit_id") + added("new", "new.unit_id")))
# Fill from what is there: the closure, the units, then every unit's lectures.
parts.append("""INSERT INTO unit_ancestors (unit_id, ancestor_id)
    SELECT id, 0 FROM units WHERE ipath <> ''
    UNION ALL SELECT u.id, j.value FROM units u, json_each('[' || replace(trim(u.ipath, '/'), '/', ',') || ']') j
    WHERE u.ipath <> '' AND j.value <> u.id;""")
parts.append("""INSERT INTO tree_units (unit_id, units, members)
    SELECT a.ancestor_id, count(*), sum(u.members) FROM unit_ancestors a JOIN units u ON u.id = a.unit_id GROUP BY a.ancestor_id;""")
import re
go = open("store/tree.go").read()
def const(name):
    return re.search(name + r" = `(.*?)`", go, re.S).group(1)
parts.append("INSERT INTO tree_days (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)\n" + const("treeDaysCounted") + ";")
parts.append("INSERT INTO tree_firsts (unit_id, leader, day, prev, n)\n" + const("treeFirstsCounted") + ";")
if __name__ == "__main__":  # imported by gen_unset_buckets_sql.py for its statements
    sys.stdout.write("\n--bun:split\n".join(parts) + "\n")
