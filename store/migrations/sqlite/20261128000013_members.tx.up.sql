-- Who has spoken in which bound chat: the platform tells who is in a group
-- when they write there, and figures go only to members of a bound chat or
-- holders of a role.
CREATE TABLE chat_members (
    platform TEXT    NOT NULL,
    person   TEXT    NOT NULL,   -- platform:id
    chat_id  TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (person, platform, chat_id)
) WITHOUT ROWID;
