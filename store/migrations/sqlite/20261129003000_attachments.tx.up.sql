-- Pictures, videos and files kept with a lecture: one row per file sent,
-- the content on disk under media_dir by its SHA-256 (shared by rows with
-- the same content). A removed row (/撤销) keeps its file until a purge
-- finds no row naming it.
CREATE TABLE attachments (
    id         INTEGER PRIMARY KEY,
    lecture_id INTEGER NOT NULL REFERENCES lectures (id),
    sha256     TEXT    NOT NULL,
    ext        TEXT    NOT NULL,
    mime       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    author     TEXT    NOT NULL,
    chat       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    removed_at INTEGER,
    removed_by TEXT
);
--bun:split
CREATE INDEX attachments_lecture ON attachments (lecture_id, id);
--bun:split
CREATE INDEX attachments_sha ON attachments (sha256);
