-- The responsible people of each unit, reminder opt-outs and the deadline
-- reminders sent (PostgreSQL).
CREATE TABLE unit_contacts (
    unit_id  BIGINT NOT NULL REFERENCES units (id),
    person   TEXT   NOT NULL,
    added_by TEXT   NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (unit_id, person)
);
--bun:split
CREATE TABLE reminder_optouts (
    person TEXT   NOT NULL PRIMARY KEY,
    at     BIGINT NOT NULL
);
--bun:split
CREATE TABLE deadline_reminders (
    platform TEXT    NOT NULL,
    chat_id  TEXT    NOT NULL,
    deadline TEXT    NOT NULL,
    ahead    INTEGER NOT NULL,
    at       BIGINT  NOT NULL,
    PRIMARY KEY (platform, chat_id, deadline, ahead)
);
