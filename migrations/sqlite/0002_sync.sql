-- Users, repositories and per-user permissions in Drone's naming, plus the sync engine's
-- bookkeeping: run records, single-flight leases and the conditional-request page cache.
-- Times are unix seconds, except where a column says _ms.

CREATE TABLE users (
    user_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_login      TEXT    NOT NULL UNIQUE,
    user_forge_uid  TEXT    NOT NULL DEFAULT '',
    user_email      TEXT    NOT NULL DEFAULT '',
    user_avatar     TEXT    NOT NULL DEFAULT '',
    user_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    user_machine    BOOLEAN NOT NULL DEFAULT FALSE,
    user_active     BOOLEAN NOT NULL DEFAULT TRUE,
    -- The forge's access and refresh tokens, sealed with the server key (AEAD).
    user_token      BLOB,
    user_refresh    BLOB,
    user_expiry     BIGINT  NOT NULL DEFAULT 0,
    -- The forge refused the token: the user must log in again.
    user_reauth     BOOLEAN NOT NULL DEFAULT FALSE,
    -- The last successful sync (never moved by a failed one).
    user_synced     BIGINT  NOT NULL DEFAULT 0,
    user_created    BIGINT  NOT NULL,
    user_updated    BIGINT  NOT NULL,
    user_last_login BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE repos (
    repo_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The forge's id: renames and transfers keep the row.
    repo_uid        TEXT    NOT NULL UNIQUE,
    repo_namespace  TEXT    NOT NULL,
    repo_name       TEXT    NOT NULL,
    repo_full_name  TEXT    NOT NULL UNIQUE,
    repo_private    BOOLEAN NOT NULL,
    repo_visibility TEXT    NOT NULL,
    repo_branch     TEXT    NOT NULL,
    repo_clone_url  TEXT    NOT NULL,
    repo_ssh_url    TEXT    NOT NULL,
    repo_link       TEXT    NOT NULL,
    repo_archived   BOOLEAN NOT NULL DEFAULT FALSE,
    repo_synced     BIGINT  NOT NULL,
    repo_created    BIGINT  NOT NULL,
    repo_updated    BIGINT  NOT NULL
);

CREATE TABLE perms (
    perm_user_id BIGINT  NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    perm_repo_id BIGINT  NOT NULL REFERENCES repos (repo_id) ON DELETE CASCADE,
    perm_pull    BOOLEAN NOT NULL,
    perm_push    BOOLEAN NOT NULL,
    perm_admin   BOOLEAN NOT NULL,
    perm_synced  BIGINT  NOT NULL,
    perm_created BIGINT  NOT NULL,
    perm_updated BIGINT  NOT NULL,
    PRIMARY KEY (perm_user_id, perm_repo_id)
);
CREATE INDEX perms_by_repo ON perms (perm_repo_id);

CREATE TABLE sync_runs (
    run_id           INTEGER PRIMARY KEY AUTOINCREMENT,
    run_user_id      BIGINT  NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    run_trigger      TEXT    NOT NULL,
    -- running | success | empty_ignored | failed
    run_outcome      TEXT    NOT NULL,
    run_error        TEXT    NOT NULL DEFAULT '',
    run_started_ms   BIGINT  NOT NULL,
    run_finished_ms  BIGINT  NOT NULL DEFAULT 0,
    run_pages        BIGINT  NOT NULL DEFAULT 0,
    run_calls        BIGINT  NOT NULL DEFAULT 0,
    run_not_modified BIGINT  NOT NULL DEFAULT 0,
    run_listed       BIGINT  NOT NULL DEFAULT 0,
    run_added        BIGINT  NOT NULL DEFAULT 0,
    run_updated      BIGINT  NOT NULL DEFAULT 0,
    run_renamed      BIGINT  NOT NULL DEFAULT 0,
    run_revoked      BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX sync_runs_by_user ON sync_runs (run_user_id, run_id);

-- One sync per user at a time, across processes: the holder and when its claim lapses.
CREATE TABLE sync_leases (
    lease_user_id    BIGINT NOT NULL PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    lease_owner      TEXT   NOT NULL,
    lease_expires_ms BIGINT NOT NULL
);

-- The last answer to each listing page, for If-None-Match.
CREATE TABLE forge_pages (
    page_user_id BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    page_url     TEXT   NOT NULL,
    page_etag    TEXT   NOT NULL,
    page_body    TEXT   NOT NULL,
    page_fetched BIGINT NOT NULL,
    PRIMARY KEY (page_user_id, page_url)
);
