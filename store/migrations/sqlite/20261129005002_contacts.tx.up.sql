-- The responsible people of each unit, whom reminders @-mention, and the
-- people who asked not to be @-mentioned (/提醒 关闭).
CREATE TABLE unit_contacts (
    unit_id  INTEGER NOT NULL REFERENCES units (id),
    person   TEXT    NOT NULL,
    added_by TEXT    NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (unit_id, person)
) WITHOUT ROWID;
--bun:split
CREATE TABLE reminder_optouts (
    person TEXT    NOT NULL PRIMARY KEY,
    at     INTEGER NOT NULL
) WITHOUT ROWID;
--bun:split
-- Deadline reminders sent: one per (chat, deadline, days before), so a
-- restart does not send one twice.
CREATE TABLE deadline_reminders (
    platform TEXT    NOT NULL,
    chat_id  TEXT    NOT NULL,
    deadline TEXT    NOT NULL,
    ahead    INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (platform, chat_id, deadline, ahead)
) WITHOUT ROWID;
