-- A number that every transaction changing `repos` or `perms` increases, as it commits. Triggers
-- keep it, so that nothing writing those tables — a sync, a webhook, an operator at the psql
-- prompt — can forget to. The REST API and the dashboard keep users' repository lists for as
-- long as it has not moved, and the API derives their ETags from it; readers must read it
-- before the rows it stands for.
CREATE TABLE list_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);
INSERT INTO list_generation (id, n) VALUES (1, 0);

-- The counter's row is taken only at commit, never while a transaction still has rows to lock:
-- a transaction holding it and waiting for another's rows, while that one waited for the
-- counter, would deadlock two syncs that share repositories. So a statement that changed rows
-- only marks its transaction (one row per transaction, which no other transaction contends
-- for), and a deferred trigger on that mark — run as the transaction commits — moves the
-- counter once and removes the mark.
CREATE TABLE list_changed (
    xact xid8 PRIMARY KEY
);

CREATE FUNCTION mark_list_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed_rows) THEN
        INSERT INTO list_changed (xact) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION bump_list_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE list_generation SET n = n + 1;
    DELETE FROM list_changed WHERE xact = NEW.xact;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER list_changed_at_commit AFTER INSERT ON list_changed
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_list_generation();

-- A trigger with transition tables takes one event, hence three per table.
CREATE TRIGGER repos_inserted_generation AFTER INSERT ON repos
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_list_changed();
CREATE TRIGGER repos_updated_generation AFTER UPDATE ON repos
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_list_changed();
CREATE TRIGGER repos_deleted_generation AFTER DELETE ON repos
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_list_changed();
CREATE TRIGGER perms_inserted_generation AFTER INSERT ON perms
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_list_changed();
CREATE TRIGGER perms_updated_generation AFTER UPDATE ON perms
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_list_changed();
CREATE TRIGGER perms_deleted_generation AFTER DELETE ON perms
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_list_changed();
