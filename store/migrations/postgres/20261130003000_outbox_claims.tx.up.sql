-- A pending message's send is claimed in the database (PostgreSQL): see the
-- SQLite migration of the same name. claimed_by names the replica sending
-- a pending message, claim_until (ms) ends its lease; extra keeps a
-- proactive message's chart and mentions as JSON.
ALTER TABLE messages ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE messages ADD COLUMN claim_until BIGINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE messages ADD COLUMN extra TEXT NOT NULL DEFAULT '';
