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
