-- Half-entered commands and questions waiting for an answer, per person per
-- chat (key), as the router's JSON state: kept in the database, so that an
-- answer that reaches another replica, or the bot after a restart, still
-- completes the command. expires_at in Unix milliseconds.
CREATE TABLE conversations (
    key        TEXT    PRIMARY KEY,
    state      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
--bun:split
CREATE INDEX conversations_expires ON conversations (expires_at);
