-- Webhook deliveries, stored when they arrive (before the 202) and applied by a worker, so a
-- crash between receipt and processing loses nothing. `hook_key` deduplicates: the forge's
-- delivery id, or a digest of the body when the forge sends none.
CREATE TABLE hook_deliveries (
    hook_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hook_key         TEXT   NOT NULL UNIQUE,
    hook_forge       TEXT   NOT NULL,
    -- The verified delivery's repository events, as JSON.
    hook_events      TEXT   NOT NULL,
    hook_received_ms BIGINT NOT NULL,
    -- pending | done | failed
    hook_state       TEXT   NOT NULL DEFAULT 'pending',
    hook_attempts    BIGINT NOT NULL DEFAULT 0,
    -- When a worker took it; a claim older than a minute belongs to a process that died.
    hook_claimed_ms  BIGINT NOT NULL DEFAULT 0,
    hook_error       TEXT   NOT NULL DEFAULT '',
    hook_done_ms     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX hook_deliveries_by_state ON hook_deliveries (hook_state, hook_id);
