-- A number that every change to `repos` or `perms` increases, in the same transaction as the
-- change. Triggers keep it, so that nothing writing those tables — a sync, a webhook, an
-- operator at the psql prompt — can forget to. The REST API keeps users' serialised repository
-- lists for as long as it has not moved, and derives their ETags from it; readers must read it
-- before the rows it stands for.
CREATE TABLE list_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);
INSERT INTO list_generation (id, n) VALUES (1, 0);

-- One increment per statement that changed rows (statements that matched none leave it, so the
-- counter's row is locked only by transactions that really wrote).
CREATE FUNCTION bump_list_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed_rows) THEN
        UPDATE list_generation SET n = n + 1;
    END IF;
    RETURN NULL;
END
$$;

-- A trigger with transition tables takes one event, hence three per table.
CREATE TRIGGER repos_inserted_generation AFTER INSERT ON repos
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_list_generation();
CREATE TRIGGER repos_updated_generation AFTER UPDATE ON repos
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_list_generation();
CREATE TRIGGER repos_deleted_generation AFTER DELETE ON repos
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_list_generation();
CREATE TRIGGER perms_inserted_generation AFTER INSERT ON perms
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_list_generation();
CREATE TRIGGER perms_updated_generation AFTER UPDATE ON perms
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_list_generation();
CREATE TRIGGER perms_deleted_generation AFTER DELETE ON perms
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_list_generation();
