-- The campaign's first schema. Timestamps are Unix milliseconds (UTC);
-- calendar days are TEXT 'YYYY-MM-DD' in the campaign's time zone.

CREATE TABLE units (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES units (id),
    top_id     INTEGER NOT NULL DEFAULT 0,
    name       TEXT    NOT NULL,
    path       TEXT    NOT NULL UNIQUE,          -- 温县/城关镇/第一党支部
    ipath      TEXT    NOT NULL DEFAULT '',      -- /3/17/52/ : ids from the top, for subtree ranges
    depth      INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    members    INTEGER NOT NULL DEFAULT 0 CHECK (members >= 0),
    created_at INTEGER NOT NULL
);
--bun:split
CREATE INDEX units_ipath ON units (ipath);
--bun:split
CREATE INDEX units_name ON units (name);
--bun:split
CREATE INDEX units_top ON units (top_id);
--bun:split
CREATE TABLE chats (
    platform TEXT    NOT NULL,
    chat_id  TEXT    NOT NULL,
    unit_id  INTEGER NOT NULL REFERENCES units (id),
    title    TEXT    NOT NULL DEFAULT '',
    is_group INTEGER NOT NULL DEFAULT 0,
    bound_by TEXT    NOT NULL,
    bound_at INTEGER NOT NULL,
    PRIMARY KEY (platform, chat_id)
);
--bun:split
CREATE TABLE roles (
    person     TEXT    NOT NULL,
    unit_id    INTEGER NOT NULL REFERENCES units (id),
    granted_by TEXT    NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (person, unit_id)
);
--bun:split
CREATE TABLE lectures (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    speaker      TEXT    NOT NULL,
    position     TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    day          TEXT    NOT NULL,
    attendees    INTEGER NOT NULL CHECK (attendees > 0),
    venue        TEXT    NOT NULL DEFAULT '',
    form         TEXT    NOT NULL DEFAULT '',
    minutes      INTEGER NOT NULL DEFAULT 0,
    satisfied    INTEGER NOT NULL DEFAULT 0,
    surveyed     INTEGER NOT NULL DEFAULT 0,
    link         TEXT    NOT NULL DEFAULT '',
    leader       INTEGER NOT NULL DEFAULT 0,
    author       TEXT    NOT NULL,
    chat         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    withdrawn_at INTEGER,
    withdrawn_by TEXT
);
--bun:split
-- Covers the period figures (/统计 本周, the week comparison) without
-- touching the table rows.
CREATE INDEX lectures_day ON lectures (day, unit_id, speaker, attendees, satisfied, surveyed, leader)
    WHERE withdrawn_at IS NULL;
--bun:split
CREATE INDEX lectures_unit ON lectures (unit_id, id);
--bun:split
CREATE INDEX lectures_author ON lectures (author, id);
--bun:split
-- One row per distinct lecturer of a unit, counting their active lectures.
CREATE TABLE speakers (
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    name            TEXT    NOT NULL,
    lectures        INTEGER NOT NULL,
    leader_lectures INTEGER NOT NULL,
    PRIMARY KEY (unit_id, name)
) WITHOUT ROWID;
--bun:split
-- A unit's own running totals (not its subtree's), kept with every change so
-- that /统计 全市 sums ten thousand rows instead of a million.
CREATE TABLE unit_totals (
    unit_id   INTEGER PRIMARY KEY REFERENCES units (id),
    lectures  INTEGER NOT NULL DEFAULT 0,
    speakers  INTEGER NOT NULL DEFAULT 0,
    leaders   INTEGER NOT NULL DEFAULT 0,
    attendees INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    surveyed  INTEGER NOT NULL DEFAULT 0
);
--bun:split
CREATE TABLE instructors (
    id         INTEGER PRIMARY KEY,
    pool_id    INTEGER NOT NULL REFERENCES units (id),
    unit_id    INTEGER NOT NULL REFERENCES units (id),
    name       TEXT    NOT NULL,
    gender     TEXT    NOT NULL,
    birth_y    INTEGER NOT NULL,
    birth_m    INTEGER NOT NULL,
    position   TEXT    NOT NULL,
    phone      TEXT    NOT NULL,
    author     TEXT    NOT NULL,
    chat       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    removed_at INTEGER,
    removed_by TEXT
);
--bun:split
CREATE UNIQUE INDEX instructors_phone ON instructors (pool_id, phone) WHERE removed_at IS NULL;
--bun:split
CREATE INDEX instructors_author ON instructors (author, id);
--bun:split
-- Platform messages already handled, with the reply they got: a redelivery
-- is answered from here and never logged twice.
CREATE TABLE messages (
    platform TEXT    NOT NULL,
    chat     TEXT    NOT NULL,
    msg_id   TEXT    NOT NULL,
    reply    TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (platform, chat, msg_id)
) WITHOUT ROWID;
--bun:split
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    chat      TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    entity    TEXT    NOT NULL,
    entity_id INTEGER NOT NULL,
    detail    TEXT    NOT NULL
);
--bun:split
CREATE INDEX audit_actor ON audit (actor, id);
