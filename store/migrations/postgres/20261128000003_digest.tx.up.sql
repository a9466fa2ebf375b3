-- Weekly digests, for PostgreSQL: city chats, the exactly-once record of
-- each (chat, week) digest (its primary key decides which replica sends),
-- and the index of every lecturer's activity.

CREATE TABLE city_chats (
    platform TEXT    NOT NULL,
    chat_id  TEXT    NOT NULL,
    title    TEXT    NOT NULL DEFAULT '',
    is_group INTEGER NOT NULL DEFAULT 0,
    bound_by TEXT    NOT NULL,
    bound_at BIGINT  NOT NULL,
    PRIMARY KEY (platform, chat_id)
);
--bun:split
CREATE TABLE digests (
    platform TEXT    NOT NULL,
    chat_id  TEXT    NOT NULL,
    week     TEXT    NOT NULL,
    status   TEXT    NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    late     INTEGER NOT NULL DEFAULT 0,
    detail   TEXT    NOT NULL DEFAULT '',
    at       BIGINT  NOT NULL,
    PRIMARY KEY (platform, chat_id, week)
);
--bun:split
CREATE INDEX lectures_speaker ON lectures (unit_id, speaker, day, attendees, satisfied, surveyed, leader)
    WHERE withdrawn_at IS NULL;
