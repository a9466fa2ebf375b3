-- The pending actions of buttons (PostgreSQL): any replica takes the press.
CREATE TABLE button_actions (
    hash       TEXT   NOT NULL PRIMARY KEY,
    grp        TEXT   NOT NULL,
    chat       TEXT   NOT NULL,
    person     TEXT   NOT NULL,
    label      TEXT   NOT NULL,
    answer     TEXT   NOT NULL,
    ref        TEXT   NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
--bun:split
CREATE INDEX button_actions_grp ON button_actions (grp);
--bun:split
CREATE INDEX button_actions_expires ON button_actions (expires_at);
