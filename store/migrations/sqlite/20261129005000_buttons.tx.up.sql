-- The pending actions of buttons: a button carries an opaque random token;
-- only its SHA-256 is stored, with who may press it, where, until when and
-- the text it stands for. The buttons of one reply share grp: pressing one
-- uses them all.
CREATE TABLE button_actions (
    hash       TEXT    NOT NULL PRIMARY KEY,
    grp        TEXT    NOT NULL,
    chat       TEXT    NOT NULL,
    person     TEXT    NOT NULL,
    label      TEXT    NOT NULL,
    answer     TEXT    NOT NULL,
    ref        TEXT    NOT NULL DEFAULT '',
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
) WITHOUT ROWID;
--bun:split
CREATE INDEX button_actions_grp ON button_actions (grp);
--bun:split
CREATE INDEX button_actions_expires ON button_actions (expires_at);
