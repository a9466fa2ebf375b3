-- The outbox carries proactive messages too (weekly digests, reminders,
-- files), for PostgreSQL: a row's kind says which; the row's unique key
-- (platform, chat, digest:WEEK) decides which replica sends a digest.
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'reply';
--bun:split
CREATE INDEX messages_digests ON messages (msg_id) WHERE kind = 'digest';
