-- The saved replies become the reply outbox (PostgreSQL).
ALTER TABLE messages ADD COLUMN state TEXT NOT NULL DEFAULT 'sent';
--bun:split
ALTER TABLE messages ADD COLUMN route TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE messages ADD COLUMN tried_at BIGINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE messages ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
--bun:split
CREATE INDEX messages_pending ON messages (at) WHERE state = 'pending';
--bun:split
CREATE INDEX messages_failed ON messages (at) WHERE state = 'failed';
