-- /宣讲员 asks when a pool already holds the name with the same birth month
-- and workplace (the same person with another phone): found by name.
CREATE INDEX instructors_name ON instructors (pool_id, name) WHERE removed_at IS NULL;
