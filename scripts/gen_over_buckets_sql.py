#!/usr/bin/env python3
"""Writes migration 20261204001000_over_buckets for SQLite (argument
sqlite) or PostgreSQL (argument postgres).

A unit with more lecturers of its own than members is left out of
coverage, and /统计 of the province or of a reporting unit over a period
counted each such unit's lecturers of the period one by one: 1,429 units
of a seeded province of 10 million lectures, half of the 100 ms of 全市
本月. Now such a unit has one more ancestor in unit_ancestors, its
reporting unit's over bucket (-4294967296 - top_id), so that the subtree
totals keep under that key what those units hold, as for the unset
branches (20261203001000_unset_buckets).

A unit becomes so inside a lecture's own triggers (a new lecturer), where
moving its lectures to a bucket would depend on the order in which
triggers fire. So the triggers only queue the unit (bucket_queue) when
its state and its bucket row disagree; the store empties the queue at the
end of each update (DELETE FROM bucket_queue; PostgreSQL empties it as the
transaction commits, through a deferred trigger), and the trigger on that
delete moves the unit's lectures into or out of the bucket, after every
other trigger of the update has run. The figures never depend on it: they
take a bucketed unit's lecturers from its bucket only while it is left out
of coverage, and count the others one by one; the queue only keeps that
rare. A bucketed unit stays listed in unit_doubts, where the figures find
it."""
import sys

sys.path.insert(0, "scripts")
import gen_tree_sql as lite  # noqa: E402
import gen_tree_sql_pg as pgt  # noqa: E402
import gen_unset_buckets_sql as unset  # noqa: E402

OVER = 4294967296
U = "old.unit_id"
KEY = f"(SELECT -{OVER} - top_id FROM units WHERE id = {U})"


def want(u):
    """Unit u belongs in its over bucket: placed under a reporting unit,
    with a member count its own lecturers exceed."""
    return (f"EXISTS (SELECT 1 FROM units u JOIN unit_totals t ON t.unit_id = u.id WHERE u.id = {u} AND u.ipath <> '' "
            "AND u.top_id > 0 AND u.members > 0 AND t.speakers > u.members)")


def has(u):
    return f"EXISTS (SELECT 1 FROM unit_ancestors WHERE unit_id = {u} AND ancestor_id <= -{OVER})"


LEAVE = f"{has(U)} AND NOT {want(U)}"
JOIN = f"{want(U)} AND NOT {has(U)}"


def queue(u):
    """Queues unit u when its bucket row and its state disagree."""
    return (f"INSERT INTO bucket_queue (unit_id) SELECT {u} WHERE {want(u)} <> {has(u)} "
            f"AND NOT EXISTS (SELECT 1 FROM bucket_queue WHERE unit_id = {u})")


def at_bucket(own, sign):
    """own's statements for unit U applied only to its over bucket: when it
    leaves, at its bucket row; when it joins, at the key of its reporting
    unit (the row is added last)."""
    out = []
    for s in own(U, sign):
        if sign < 0:
            s = s.replace(f"WHERE a.unit_id = {U}", f"WHERE a.unit_id = {U} AND a.ancestor_id <= -{OVER} AND @cond")
            s = s.replace(f"SELECT ancestor_id FROM unit_ancestors WHERE unit_id = {U}",
                          f"SELECT ancestor_id FROM unit_ancestors WHERE unit_id = {U} AND ancestor_id <= -{OVER} AND @cond")
        else:
            s = s.replace("FROM unit_ancestors a,", f"FROM (SELECT {KEY} AS ancestor_id) a,")
            s = s.replace(f"WHERE a.unit_id = {U}", "WHERE @cond")
            s = s.replace(f"SELECT ancestor_id FROM unit_ancestors WHERE unit_id = {U}", f"SELECT {KEY} WHERE @cond")
            assert "unit_ancestors" not in s, s
        assert "@cond" in s, s
        out.append(s.replace("@cond", LEAVE if sign < 0 else JOIN))
    return out


def settle_stmts(own, alias):
    """The trigger on a queued unit's removal: leave the bucket, or join it."""
    t = alias + "." if alias else ""
    up = f"ON CONFLICT (unit_id) DO UPDATE SET units = {t}units + excluded.units, members = {t}members + excluded.members"
    table = "INSERT INTO tree_units" + (f" AS {alias}" if alias else "")
    return (at_bucket(own, -1)
            + [f"""{table} (unit_id, units, members)
        SELECT a.ancestor_id, -1, -u.members FROM unit_ancestors a JOIN units u ON u.id = a.unit_id
        WHERE a.unit_id = {U} AND a.ancestor_id <= -{OVER} AND {LEAVE} {up}""",
               f"""DELETE FROM tree_units WHERE unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = {U} AND ancestor_id <= -{OVER})
        AND units = 0 AND members = 0 AND {LEAVE}""",
               f"DELETE FROM unit_ancestors WHERE unit_id = {U} AND ancestor_id <= -{OVER} AND NOT {want(U)}",
               f"{table} (unit_id, units, members) SELECT -{OVER} - top_id, 1, members FROM units WHERE id = {U} AND {JOIN} {up}"]
            + at_bucket(own, 1)
            + [f"INSERT INTO unit_ancestors (unit_id, ancestor_id) SELECT {U}, {KEY} WHERE {JOIN}"])


# unit_doubts keeps a bucketed unit listed (the figures find it there).
KEEP = f"NOT EXISTS (SELECT 1 FROM unit_ancestors WHERE unit_id = new.id AND ancestor_id <= -{OVER})"

HEAD = "".join(("-- " + line).rstrip() + "\n" for line in __doc__.strip().splitlines()[3:]) + "-- Generated by scripts/gen_over_buckets_sql.py.\n"

IN_BUCKET = f"(SELECT unit_id FROM unit_ancestors WHERE ancestor_id <= -{OVER})"

BACKFILL = [
    f"""INSERT INTO unit_ancestors (unit_id, ancestor_id) SELECT u.id, -{OVER} - u.top_id FROM units u JOIN unit_totals t ON t.unit_id = u.id
    WHERE u.ipath <> '' AND u.top_id > 0 AND u.members > 0 AND t.speakers > u.members""",
    f"INSERT INTO unit_doubts (unit_id) SELECT unit_id FROM unit_ancestors WHERE ancestor_id <= -{OVER} AND unit_id NOT IN (SELECT unit_id FROM unit_doubts)",
    f"""INSERT INTO tree_units (unit_id, units, members) SELECT a.ancestor_id, count(*), sum(u.members)
    FROM unit_ancestors a JOIN units u ON u.id = a.unit_id WHERE a.ancestor_id <= -{OVER} GROUP BY a.ancestor_id""",
]


def counted(name):
    """tree.go's recount of a day table, for the over buckets only (their
    units' lectures alone)."""
    import re
    q = re.sub(r"FROM lectures(\s+)WHERE withdrawn_at IS NULL",
               f"FROM lectures\\1WHERE withdrawn_at IS NULL AND unit_id IN {IN_BUCKET}", lite.const(name))
    assert q.count(IN_BUCKET) == (3 if name == "treeDaysCounted" else 2), q
    for x in ("d", "e"):
        q = q.replace(f"JOIN unit_ancestors a ON a.unit_id = {x}.unit_id", f"JOIN unit_ancestors a ON a.unit_id = {x}.unit_id AND a.ancestor_id <= -{OVER}")
    assert q.count(f"a.ancestor_id <= -{OVER}") == 1, q
    return q


def fill():
    return ["INSERT INTO tree_days (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts)\n"
            + counted("treeDaysCounted"),
            "INSERT INTO tree_firsts (unit_id, leader, day, prev, n)\n" + counted("treeFirstsCounted")]


TABLE = "CREATE TABLE bucket_queue (\n    unit_id {} PRIMARY KEY\n)"

# (trigger name, table and event, WHEN, the unit)
QUEUERS = [
    ("bucket_queue_totals", "AFTER INSERT ON unit_totals", "", "new.unit_id"),
    ("bucket_queue_speakers", "AFTER UPDATE OF speakers ON unit_totals", "new.speakers <> old.speakers", "new.unit_id"),
    ("bucket_queue_members", "AFTER UPDATE OF members ON units", "new.members <> old.members", "new.id"),
    ("bucket_queue_placed", "AFTER INSERT ON unit_ancestors", "new.ancestor_id = 0", "new.unit_id"),
]


def sqlite():
    out = [TABLE.format("INTEGER")]

    def trig(name, head, stmts):
        out.append(f"DROP TRIGGER IF EXISTS {name}")
        out.append(f"CREATE TRIGGER {name} {head}\nBEGIN\n" + "".join(f"    {s};\n" for s in stmts) + "END")

    out += BACKFILL + fill()
    for name, head, when, u in QUEUERS:
        trig(name, head + (f" WHEN {when}" if when else ""), [queue(u)])
    trig("bucket_queue_settle", "AFTER DELETE ON bucket_queue", settle_stmts(lite.own, ""))
    trig("unit_doubts_members_set", "AFTER UPDATE OF members, kind ON units", [
        "INSERT INTO unit_doubts (unit_id) SELECT new.id WHERE NOT EXISTS (SELECT 1 FROM unit_doubts WHERE unit_id = new.id) AND "
        + unset.DOUBTFUL_NEW,
        "DELETE FROM unit_doubts WHERE unit_id = new.id AND ((new.members > 0\n"
        "        AND new.members >= coalesce((SELECT speakers FROM unit_totals WHERE unit_id = new.id), 0)) OR (new.members = 0 AND new.kind = 'branch'))\n"
        f"        AND {KEEP}"])
    return HEAD + "\n--bun:split\n".join(out) + ";\n"


def postgres():
    out = [TABLE.format("BIGINT")]

    def fn(name, stmts):
        out.append(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n" +
                   "".join(f"    {s};\n" for s in stmts) + "    RETURN NULL;\nEND $$")

    out += BACKFILL + fill()
    for name, head, when, u in QUEUERS:
        fn(name, [queue(u)])
        out.append(f"CREATE TRIGGER {name} {head}\n    FOR EACH ROW " + (f"WHEN ({when}) " if when else "") + f"EXECUTE FUNCTION {name}()")
    fn("bucket_queue_settle", settle_stmts(pgt.own, "t"))
    out.append("CREATE TRIGGER bucket_queue_settle AFTER DELETE ON bucket_queue\n    FOR EACH ROW EXECUTE FUNCTION bucket_queue_settle()")
    # PostgreSQL empties the queue itself as the transaction commits, after
    # every statement of it: no statement more for the store to send.
    fn("bucket_queue_drain", ["DELETE FROM bucket_queue WHERE unit_id = new.unit_id"])
    out.append("CREATE CONSTRAINT TRIGGER bucket_queue_drain AFTER INSERT ON bucket_queue\n"
               "    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bucket_queue_drain()")
    out.append(unset.members_set_pg(KEEP))
    head = HEAD.replace("-- Generated", "-- PostgreSQL: the same, in PL/pgSQL trigger functions. Generated")
    return head + "\n--bun:split\n".join(out) + ";\n"


if __name__ == "__main__":
    sys.stdout.write(postgres() if sys.argv[1:] == ["postgres"] else sqlite())
