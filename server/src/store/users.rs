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

    /// Users a scheduled refresh should sync: active, with a usable forge login, last synced
    /// before `cutoff` (unix seconds), longest-waiting first.
    pub async fn users_due(&self, cutoff: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
        let sql = "SELECT user_id FROM users WHERE user_active = TRUE AND user_reauth = FALSE \
                   AND user_token IS NOT NULL AND user_synced < $1 ORDER BY user_synced, user_id LIMIT $2";
        Ok(
            with_pool!(self, pool => sqlx::query_scalar(sql).bind(cutoff).bind(limit).fetch_all(pool).await?),
        )
    }

    /// Every user, by login.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM users ORDER BY user_login");
        Ok(with_pool!(self, pool => sqlx::query_as::<_, User>(&sql).fetch_all(pool).await?))
    }

    /// The user signed in with forge account `uid` before (logins can be renamed at the forge).
    pub async fn user_by_forge_uid(&self, uid: &str) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM users WHERE user_forge_uid = $1 AND user_forge_uid <> ''"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, User>(&sql).bind(uid).fetch_optional(pool).await?),
        )
    }

    /// Records a sign-in: the forge's current profile, the new sealed tokens, the login time.
    pub async fn record_login(&self, user_id: i64, login: &Login) -> Result<User, StoreError> {
        let now = now_s();
        let sql = format!(
            "UPDATE users SET user_login = $1, user_forge_uid = $2, user_email = $3, user_avatar = $4, \
             user_token = $5, user_refresh = $6, user_expiry = $7, user_reauth = FALSE, user_last_login = $8, \
             user_updated = $8 WHERE user_id = $9 RETURNING {COLUMNS}"
        );
        Ok(with_pool!(self, pool => sqlx::query_as::<_, User>(&sql)
            .bind(&login.login)
            .bind(&login.forge_uid)
            .bind(&login.email)
            .bind(&login.avatar)
            .bind(&login.token)
            .bind(login.refresh.as_deref())
            .bind(login.expiry)
            .bind(now)
            .bind(user_id)
            .fetch_one(pool)
            .await?))
    }

    /// Changes an account's flags; `None` leaves a flag as it is.
    pub async fn update_user_flags(
        &self,
        user_id: i64,
        admin: Option<bool>,
        active: Option<bool>,
    ) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "UPDATE users SET user_admin = COALESCE($1, user_admin), user_active = COALESCE($2, user_active), \
             user_updated = $3 WHERE user_id = $4 RETURNING {COLUMNS}"
        );
        Ok(with_pool!(self, pool => sqlx::query_as::<_, User>(&sql)
            .bind(admin)
            .bind(active)
            .bind(now_s())
            .bind(user_id)
            .fetch_optional(pool)
            .await?))
    }

    /// Deletes a user with their permissions, tokens, sessions and run records; the
    /// repositories stay for the other users. `false` when there was no such user.
    pub async fn delete_user(&self, user_id: i64) -> Result<bool, StoreError> {
        let sql = "DELETE FROM users WHERE user_id = $1";
        let deleted = with_pool!(self, pool => sqlx::query(sql).bind(user_id).execute(pool).await?.rows_affected());
        Ok(deleted > 0)
    }
}

/// What a sign-in writes: the forge's profile and the sealed tokens.
#[derive(Clone, Debug)]
pub struct Login {
    pub login: String,
    pub forge_uid: String,
    pub email: String,
    pub avatar: String,
    pub token: Vec<u8>,
    pub refresh: Option<Vec<u8>>,
    pub expiry: i64,
}
