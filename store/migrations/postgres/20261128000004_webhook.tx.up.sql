-- A bound group's robot webhook key (WeCom 群机器人), for PostgreSQL.
ALTER TABLE chats ADD COLUMN webhook_key TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE city_chats ADD COLUMN webhook_key TEXT NOT NULL DEFAULT '';
