-- Half-entered commands and questions waiting for an answer (PostgreSQL):
-- any replica completes a command that another one asked about.
CREATE TABLE conversations (
    key        TEXT   PRIMARY KEY,
    state      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
--bun:split
CREATE INDEX conversations_expires ON conversations (expires_at);
