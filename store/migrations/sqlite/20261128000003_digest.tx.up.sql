-- Weekly digests: chats bound to the whole city, the exactly-once record of
-- each (chat, week) digest, and an index that lets one pass read every
-- lecturer's activity for a week.

CREATE TABLE city_chats (
    platform TEXT    NOT NULL,
    chat_id  TEXT    NOT NULL,
    title    TEXT    NOT NULL DEFAULT '',
    is_group INTEGER NOT NULL DEFAULT 0,
    bound_by TEXT    NOT NULL,
    bound_at INTEGER NOT NULL,
    PRIMARY KEY (platform, chat_id)
);
--bun:split
CREATE TABLE digests (
    platform TEXT    NOT NULL,
    chat_id  TEXT    NOT NULL,
    week     TEXT    NOT NULL,             -- 2019-W27
    status   TEXT    NOT NULL,             -- sending, sent, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    late     INTEGER NOT NULL DEFAULT 0,
    detail   TEXT    NOT NULL DEFAULT '',
    at       INTEGER NOT NULL,
    PRIMARY KEY (platform, chat_id, week)
) WITHOUT ROWID;
--bun:split
CREATE INDEX lectures_speaker ON lectures (unit_id, speaker, day, attendees, satisfied, surveyed, leader)
    WHERE withdrawn_at IS NULL;
