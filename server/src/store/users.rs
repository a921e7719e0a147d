//! The `users` table: accounts, their sealed forge tokens, and sync status.

use sqlx::FromRow;

use super::{now_s, Database, StoreError};

/// A stored user.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct User {
    pub user_id: i64,
    pub user_login: String,
    pub user_forge_uid: String,
    pub user_email: String,
    pub user_avatar: String,
    pub user_admin: bool,
    pub user_machine: bool,
    pub user_active: bool,
    pub user_token: Option<Vec<u8>>,
    pub user_refresh: Option<Vec<u8>>,
    pub user_expiry: i64,
    pub user_reauth: bool,
    pub user_synced: i64,
    /// The fingerprint of the last listing applied for this user ('' when unknown).
    pub user_listing_hash: String,
    pub user_created: i64,
    pub user_updated: i64,
    pub user_last_login: i64,
}

/// What creating a user needs.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub login: String,
    pub forge_uid: String,
    pub email: String,
    pub avatar: String,
    pub admin: bool,
    pub machine: bool,
    /// The forge token, already sealed.
    pub token: Option<Vec<u8>>,
}

const COLUMNS: &str = "user_id, user_login, user_forge_uid, user_email, user_avatar, user_admin, user_machine, \
     user_active, user_token, user_refresh, user_expiry, user_reauth, user_synced, user_listing_hash, user_created, \
     user_updated, user_last_login";

impl Database {
    /// Creates a user; the login must be new.
    pub async fn create_user(&self, new: &NewUser) -> Result<User, StoreError> {
        let now = now_s();
        let sql = format!(
            "INSERT INTO users (user_login, user_forge_uid, user_email, user_avatar, user_admin, user_machine, \
             user_token, user_created, user_updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {COLUMNS}"
        );
        Ok(with_pool!(self, pool => sqlx::query_as::<_, User>(&sql)
            .bind(&new.login)
            .bind(&new.forge_uid)
            .bind(&new.email)
            .bind(&new.avatar)
            .bind(new.admin)
            .bind(new.machine)
            .bind(new.token.as_deref())
            .bind(now)
            .fetch_one(pool)
            .await?))
    }

    pub async fn user_by_id(&self, user_id: i64) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE user_id = $1");
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, User>(&sql).bind(user_id).fetch_optional(pool).await?),
        )
    }

    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE user_login = $1");
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, User>(&sql).bind(login).fetch_optional(pool).await?),
        )
    }

    /// Stores a new sealed forge token (a login) and clears the "log in again" mark.
    pub async fn set_user_token(
        &self,
        user_id: i64,
        token: &[u8],
        refresh: Option<&[u8]>,
        expiry: i64,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE users SET user_token = $1, user_refresh = $2, user_expiry = $3, user_reauth = FALSE, \
                   user_updated = $4 WHERE user_id = $5";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(token)
            .bind(refresh)
            .bind(expiry)
            .bind(now_s())
            .bind(user_id)
            .execute(pool)
            .await.map(drop)?);
        Ok(())
    }

    /// Forgets which listing was last applied, so the next sync plans in full (for anything that
    /// writes a user's rows outside a sync).
    pub async fn forget_listing(&self, user_id: i64) -> Result<(), StoreError> {
        let sql = "UPDATE users SET user_listing_hash = '' WHERE user_id = $1";
        with_pool!(self, pool => sqlx::query(sql).bind(user_id).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Marks that the forge refused this user's token.
    pub async fn mark_user_reauth(&self, user_id: i64) -> Result<(), StoreError> {
        let sql = "UPDATE users SET user_reauth = TRUE, user_updated = $1 WHERE user_id = $2";
        with_pool!(self, pool => sqlx::query(sql).bind(now_s()).bind(user_id).execute(pool).await.map(drop)?);
        Ok(())
    }
}
