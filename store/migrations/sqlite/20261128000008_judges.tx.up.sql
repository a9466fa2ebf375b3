-- A judge who leaves the panel is marked removed, not deleted: their scores
-- of contestants already closed stay in the finals and the score sheet;
-- their scores of open contestants are dropped when they are removed.
ALTER TABLE judges ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
