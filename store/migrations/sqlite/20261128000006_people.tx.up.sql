-- People, not names. A name within a unit is one lecturer (speakers). When
-- a name that lectured in another unit of the same reporting unit is logged,
-- the bot asks once whether it is the same person; the answers live here.
-- Names of different units linked to one person count once at every level
-- that holds both; without an answer they are different people.
CREATE TABLE people (
    id         INTEGER PRIMARY KEY,
    top_id     INTEGER NOT NULL REFERENCES units (id),
    created_at INTEGER NOT NULL
);
--bun:split
CREATE TABLE speaker_people (
    unit_id   INTEGER NOT NULL REFERENCES units (id),
    name      TEXT    NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    PRIMARY KEY (unit_id, name)
) WITHOUT ROWID;
--bun:split
CREATE INDEX speaker_people_person ON speaker_people (person_id);
--bun:split
-- "Not the same person", remembered in both directions so it is asked once.
CREATE TABLE speaker_distinct (
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    name          TEXT    NOT NULL,
    other_unit_id INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (unit_id, name, other_unit_id)
) WITHOUT ROWID;
--bun:split
-- Finds a name's lecturers in the other units of a reporting unit.
CREATE INDEX speakers_name ON speakers (name);
