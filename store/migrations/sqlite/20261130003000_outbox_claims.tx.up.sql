-- A pending message's send is claimed in the database, so that replicas on
-- one database never send the same message at once: claimed_by names the
-- store handle (replica) sending it, claim_until (ms) ends the lease, after
-- which another may take it over. A reply is saved already claimed by the
-- replica that handled its message; a sent row keeps the name of the
-- replica whose send the platform accepted. extra keeps what a proactive
-- message carries beyond its text (a digest's chart, its mentions), as
-- JSON, so that it is sent again whole.
ALTER TABLE messages ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE messages ADD COLUMN claim_until INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE messages ADD COLUMN extra TEXT NOT NULL DEFAULT '';
