-- A bound chat the bot was removed from keeps its binding, inactive: no
-- digests go there until the bot is back (left_at cleared).
ALTER TABLE chats ADD COLUMN left_at INTEGER;
--bun:split
ALTER TABLE city_chats ADD COLUMN left_at INTEGER;
