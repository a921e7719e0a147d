-- Sign-in and API access. Only SHA-256 digests of secrets are stored: a leaked database
-- yields no usable session or token.

-- Personal API tokens (`Authorization: Bearer …`); a user may have several.
CREATE TABLE api_tokens (
    token_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    token_user_id   BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    token_hash      TEXT   NOT NULL UNIQUE,
    -- The first characters of the token, to tell tokens apart in a listing.
    token_prefix    TEXT   NOT NULL,
    token_label     TEXT   NOT NULL DEFAULT '',
    token_created   BIGINT NOT NULL,
    token_last_used BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_by_user ON api_tokens (token_user_id);

-- Browser sessions (the `reposync_session` cookie).
CREATE TABLE sessions (
    session_hash    TEXT   NOT NULL PRIMARY KEY,
    session_user_id BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    session_created BIGINT NOT NULL,
    session_expires BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (session_user_id);

CREATE INDEX users_by_forge_uid ON users (user_forge_uid);
