-- Settings the bot keeps for itself and voided dashboard links (PostgreSQL).
CREATE TABLE settings (
    key   TEXT   PRIMARY KEY,
    value TEXT   NOT NULL,
    at    BIGINT NOT NULL
);
--bun:split
CREATE TABLE link_revocations (
    platform TEXT   NOT NULL,
    chat_id  TEXT   NOT NULL,
    before   BIGINT NOT NULL,
    by       TEXT   NOT NULL,
    PRIMARY KEY (platform, chat_id)
);
