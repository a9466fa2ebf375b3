-- Lecturers of a pool import, checked and written in short transactions
-- but read by nothing: the import makes them all part of their pools in one
-- last transaction (an INSERT … SELECT), so a large import is all or
-- nothing while the bot keeps writing between batches. Rows of an import
-- that stopped half-way stay invisible and are deleted by a later import.
CREATE TABLE instructor_staging (
    import_id  BIGINT  NOT NULL,
    seq        BIGINT  NOT NULL,
    pool_id    BIGINT  NOT NULL,
    unit_id    BIGINT  NOT NULL,
    name       TEXT    NOT NULL,
    gender     TEXT    NOT NULL,
    birth_y    INTEGER NOT NULL,
    birth_m    INTEGER NOT NULL,
    workplace  TEXT    NOT NULL,
    position   TEXT    NOT NULL,
    phone      TEXT    NOT NULL,
    author     TEXT    NOT NULL,
    chat       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (import_id, seq)
);
