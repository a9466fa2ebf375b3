-- The saved replies become the reply outbox: each waits, pending, until its
-- platform accepts it, and is sent again after a crash. Rows from before
-- this migration are taken as sent: nobody waits for them now.
ALTER TABLE messages ADD COLUMN state TEXT NOT NULL DEFAULT 'sent';
--bun:split
ALTER TABLE messages ADD COLUMN route TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE messages ADD COLUMN tried_at INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE messages ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
--bun:split
-- Only the replies not yet accepted are indexed: the sweep reads them, and a
-- row leaves the index once it is sent.
CREATE INDEX messages_pending ON messages (at) WHERE state = 'pending';
--bun:split
CREATE INDEX messages_failed ON messages (at) WHERE state = 'failed';
