-- A number that every change to `repos` or `perms` increases, in the same transaction as the
-- change. Triggers keep it, so that nothing writing those tables — a sync, a webhook, an
-- operator at the sqlite3 prompt — can forget to. The REST API keeps users' serialised
-- repository lists for as long as it has not moved, and derives their ETags from it; readers
-- must read it before the rows it stands for.
CREATE TABLE list_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);
INSERT INTO list_generation (id, n) VALUES (1, 0);

-- SQLite has row triggers only: one increment per written row (a single-row table in the page
-- cache; unchanged rows are never rewritten, so an idle re-sync increments nothing).
CREATE TRIGGER repos_inserted_generation AFTER INSERT ON repos
BEGIN UPDATE list_generation SET n = n + 1; END;
CREATE TRIGGER repos_updated_generation AFTER UPDATE ON repos
BEGIN UPDATE list_generation SET n = n + 1; END;
CREATE TRIGGER repos_deleted_generation AFTER DELETE ON repos
BEGIN UPDATE list_generation SET n = n + 1; END;
CREATE TRIGGER perms_inserted_generation AFTER INSERT ON perms
BEGIN UPDATE list_generation SET n = n + 1; END;
CREATE TRIGGER perms_updated_generation AFTER UPDATE ON perms
BEGIN UPDATE list_generation SET n = n + 1; END;
CREATE TRIGGER perms_deleted_generation AFTER DELETE ON perms
BEGIN UPDATE list_generation SET n = n + 1; END;
