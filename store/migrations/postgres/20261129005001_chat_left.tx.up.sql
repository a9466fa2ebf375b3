-- A bound chat the bot was removed from keeps its binding, inactive (PostgreSQL).
ALTER TABLE chats ADD COLUMN left_at BIGINT;
--bun:split
ALTER TABLE city_chats ADD COLUMN left_at BIGINT;
