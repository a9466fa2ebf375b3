-- Nothing to do on SQLite: this migration rewrites the PostgreSQL
-- lecture-added subtree trigger (see its counterpart under
-- migrations/postgres); the SQLite triggers of 20261129002000_tree are
-- already split by what a lecture changes, each read made once.
SELECT 1;
