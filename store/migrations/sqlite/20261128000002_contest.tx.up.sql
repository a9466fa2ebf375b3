-- The lecture contest (附件3): contests, contestants, judges, scores and the
-- committee's rulings on ties.

CREATE TABLE contests (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    unit_id    INTEGER REFERENCES units (id),
    created_at INTEGER NOT NULL
);
--bun:split
CREATE TABLE contestants (
    id         INTEGER PRIMARY KEY,
    contest_id INTEGER NOT NULL REFERENCES contests (id),
    draw       INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    unit_id    INTEGER NOT NULL REFERENCES units (id),
    top_id     INTEGER NOT NULL,
    title      TEXT    NOT NULL,
    membership TEXT    NOT NULL,
    ppt        INTEGER NOT NULL,
    length_ms  INTEGER NOT NULL DEFAULT 0,
    closed     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (contest_id, draw)
);
--bun:split
CREATE TABLE judges (
    contest_id INTEGER NOT NULL REFERENCES contests (id),
    person     TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    PRIMARY KEY (contest_id, person)
);
--bun:split
-- One row per judge, contestant and criterion (the rubric's index), in hundredths.
CREATE TABLE scores (
    contestant_id INTEGER NOT NULL REFERENCES contestants (id),
    judge         TEXT    NOT NULL,
    criterion     INTEGER NOT NULL,
    points        INTEGER NOT NULL CHECK (points >= 0),
    at            INTEGER NOT NULL,
    PRIMARY KEY (contestant_id, judge, criterion)
) WITHOUT ROWID;
--bun:split
CREATE TABLE rulings (
    contest_id    INTEGER NOT NULL REFERENCES contests (id),
    contestant_id INTEGER NOT NULL REFERENCES contestants (id),
    position      INTEGER NOT NULL,
    PRIMARY KEY (contest_id, contestant_id)
);
