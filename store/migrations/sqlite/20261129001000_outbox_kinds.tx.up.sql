-- The outbox carries proactive messages too (weekly digests, reminders,
-- files): a row's kind says which; a reply answers the message of its key.
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'reply';
--bun:split
-- The digests' rows, for the health check's last digest run.
CREATE INDEX messages_digests ON messages (msg_id) WHERE kind = 'digest';
