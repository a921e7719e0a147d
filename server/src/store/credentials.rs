//! The `api_tokens` and `sessions` tables: what a request can prove who it is with.
//!
//! Only digests are stored (see [`crate::accounts::secret`]); looking a credential up is a
//! lookup by digest, so the table never holds anything a thief could present.

use sqlx::FromRow;

use super::{now_s, Database, StoreError};

/// A personal API token, as its owner can list it (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct ApiToken {
    pub token_id: i64,
    pub token_user_id: i64,
    pub token_prefix: String,
    pub token_label: String,
    pub token_created: i64,
    pub token_last_used: i64,
}

const TOKEN_COLUMNS: &str =
    "token_id, token_user_id, token_prefix, token_label, token_created, token_last_used";

/// Record `last_used` at most this often per token: a script polling every second must not turn
/// every read into a write.
const LAST_USED_GRANULARITY_S: i64 = 60;

impl Database {
    /// Stores a new token's digest for `user_id`.
    pub async fn add_api_token(
        &self,
        user_id: i64,
        hash: &str,
        prefix: &str,
        label: &str,
    ) -> Result<ApiToken, StoreError> {
        let sql = format!(
            "INSERT INTO api_tokens (token_user_id, token_hash, token_prefix, token_label, token_created) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {TOKEN_COLUMNS}"
        );
        Ok(with_pool!(self, pool => sqlx::query_as::<_, ApiToken>(&sql)
            .bind(user_id)
            .bind(hash)
            .bind(prefix)
            .bind(label)
            .bind(now_s())
            .fetch_one(pool)
            .await?))
    }

    /// The user a token digest belongs to, noting the use.
    pub async fn user_by_token_hash(&self, hash: &str) -> Result<Option<i64>, StoreError> {
        let sql =
            "SELECT token_id, token_user_id, token_last_used FROM api_tokens WHERE token_hash = $1";
        let found: Option<(i64, i64, i64)> =
            with_pool!(self, pool => sqlx::query_as(sql).bind(hash).fetch_optional(pool).await?);
        let Some((token_id, user_id, last_used)) = found else {
            return Ok(None);
        };
        let now = now_s();
        if now - last_used >= LAST_USED_GRANULARITY_S {
            let sql = "UPDATE api_tokens SET token_last_used = $1 WHERE token_id = $2";
            with_pool!(self, pool => sqlx::query(sql).bind(now).bind(token_id).execute(pool).await.map(drop)?);
        }
        Ok(Some(user_id))
    }

    /// A user's tokens, oldest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_user_id = $1 ORDER BY token_id"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, ApiToken>(&sql).bind(user_id).fetch_all(pool).await?),
        )
    }

    /// Revokes one of `user_id`'s tokens; `false` when they have no such token.
    pub async fn revoke_api_token(&self, user_id: i64, token_id: i64) -> Result<bool, StoreError> {
        let sql = "DELETE FROM api_tokens WHERE token_id = $1 AND token_user_id = $2";
        let deleted = with_pool!(self, pool => sqlx::query(sql).bind(token_id).bind(user_id).execute(pool).await?.rows_affected());
        Ok(deleted > 0)
    }

    /// Starts a session lasting until `expires` (unix seconds).
    pub async fn add_session(
        &self,
        user_id: i64,
        hash: &str,
        expires: i64,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO sessions (session_hash, session_user_id, session_created, session_expires) \
                   VALUES ($1, $2, $3, $4)";
        with_pool!(self, pool => sqlx::query(sql).bind(hash).bind(user_id).bind(now_s()).bind(expires).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// The user of a live session.
    pub async fn user_by_session_hash(&self, hash: &str) -> Result<Option<i64>, StoreError> {
        let sql =
            "SELECT session_user_id FROM sessions WHERE session_hash = $1 AND session_expires > $2";
        Ok(
            with_pool!(self, pool => sqlx::query_scalar(sql).bind(hash).bind(now_s()).fetch_optional(pool).await?),
        )
    }

    /// Ends a session (logout), and sweeps every expired one while at it.
    pub async fn end_session(&self, hash: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM sessions WHERE session_hash = $1 OR session_expires <= $2";
        with_pool!(self, pool => sqlx::query(sql).bind(hash).bind(now_s()).execute(pool).await.map(drop)?);
        Ok(())
    }
}
