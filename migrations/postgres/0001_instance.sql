-- The instance's own facts: when it was installed, and a stable identity for it.
CREATE TABLE instance (
    instance_key   TEXT PRIMARY KEY NOT NULL,
    instance_value TEXT NOT NULL
);

INSERT INTO instance (instance_key, instance_value)
VALUES ('installed_at', CAST(EXTRACT(EPOCH FROM now())::BIGINT AS TEXT));
