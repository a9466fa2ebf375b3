-- The responsible people of each unit and reminder opt-outs (PostgreSQL).
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
