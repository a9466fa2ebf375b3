-- Settings the bot keeps for itself: the dashboard's link secret (made once),
-- the time of the last health check's write.
CREATE TABLE settings (
    key   TEXT    PRIMARY KEY,
    value TEXT    NOT NULL,
    at    INTEGER NOT NULL
) WITHOUT ROWID;
--bun:split
-- /看板 作废: every dashboard link a chat was given before `before` (unix ms)
-- is void.
CREATE TABLE link_revocations (
    platform TEXT    NOT NULL,
    chat_id  TEXT    NOT NULL,
    before   INTEGER NOT NULL,
    by       TEXT    NOT NULL,
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;
