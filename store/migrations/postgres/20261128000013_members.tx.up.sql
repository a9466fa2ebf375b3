-- Who has spoken in which bound chat (PostgreSQL).
CREATE TABLE chat_members (
    platform TEXT   NOT NULL,
    person   TEXT   NOT NULL,
    chat_id  TEXT   NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (person, platform, chat_id)
);
