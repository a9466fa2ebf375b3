-- A bound group's robot webhook key (WeCom 群机器人), for proactive messages
-- where the robot's long connection cannot send. Never shown back.
ALTER TABLE chats ADD COLUMN webhook_key TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE city_chats ADD COLUMN webhook_key TEXT NOT NULL DEFAULT '';
