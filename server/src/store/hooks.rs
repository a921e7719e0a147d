//! The `hook_deliveries` queue and the repository changes webhooks make outside a sync.
//!
//! Deliveries are claimed before they are applied (`hook_claimed_ms`), so several server
//! processes can drain one queue; a claim left by a process that died is taken over once it is
//! older than the claim TTL (the sync lease TTL). The repository writes here are by forge id and touch no user's listing
//! fingerprint directly — callers reset it ([`Database::forget_listing`]) for the users affected.

use sqlx::FromRow;

use super::{now_ms, now_s, Database, StoreError};

/// A stored delivery.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Delivery {
    pub hook_id: i64,
    pub hook_key: String,
    pub hook_forge: String,
    pub hook_events: String,
    pub hook_received_ms: i64,
    pub hook_state: String,
    pub hook_attempts: i64,
    pub hook_error: String,
}

const COLUMNS: &str =
    "hook_id, hook_key, hook_forge, hook_events, hook_received_ms, hook_state, hook_attempts, hook_error";

impl Database {
    /// Stores a delivery unless one with `key` is stored already; `true` when it is new.
    pub async fn enqueue_delivery(
        &self,
        key: &str,
        forge: &str,
        events: &str,
    ) -> Result<bool, StoreError> {
        let sql =
            "INSERT INTO hook_deliveries (hook_key, hook_forge, hook_events, hook_received_ms) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (hook_key) DO NOTHING";
        let inserted = with_pool!(self, pool => sqlx::query(sql).bind(key).bind(forge).bind(events).bind(now_ms()).execute(pool).await?.rows_affected());
        Ok(inserted > 0)
    }

    /// Claims the oldest delivery waiting (or abandoned by a dead worker, `ttl_ms` after its
    /// claim), if any.
    pub async fn claim_delivery(&self, ttl_ms: i64) -> Result<Option<Delivery>, StoreError> {
        let now = now_ms();
        loop {
            let sql = format!(
                "SELECT {COLUMNS} FROM hook_deliveries WHERE hook_state = 'pending' AND hook_claimed_ms < $1 \
                 ORDER BY hook_id LIMIT 1"
            );
            let candidate: Option<Delivery> = with_pool!(self, pool => sqlx::query_as::<_, Delivery>(&sql).bind(now - ttl_ms).fetch_optional(pool).await?);
            let Some(delivery) = candidate else {
                return Ok(None);
            };
            // Only one worker wins the update; a loser looks again.
            let sql = "UPDATE hook_deliveries SET hook_claimed_ms = $1, hook_attempts = hook_attempts + 1 \
                       WHERE hook_id = $2 AND hook_state = 'pending' AND hook_claimed_ms < $3";
            let won = with_pool!(self, pool => sqlx::query(sql).bind(now).bind(delivery.hook_id).bind(now - ttl_ms).execute(pool).await?.rows_affected());
            if won > 0 {
                return Ok(Some(delivery));
            }
        }
    }

    /// Records how a claimed delivery ended: `done`, or `failed` with why.
    pub async fn finish_delivery(
        &self,
        hook_id: i64,
        state: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE hook_deliveries SET hook_state = $1, hook_error = $2, hook_done_ms = $3 WHERE hook_id = $4";
        with_pool!(self, pool => sqlx::query(sql).bind(state).bind(error).bind(now_ms()).bind(hook_id).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Gives a claimed delivery back (applying it failed; it is tried again).
    pub async fn release_delivery(&self, hook_id: i64, error: &str) -> Result<(), StoreError> {
        let sql =
            "UPDATE hook_deliveries SET hook_claimed_ms = 0, hook_error = $1 WHERE hook_id = $2";
        with_pool!(self, pool => sqlx::query(sql).bind(error).bind(hook_id).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Deliveries by state, for tests and the operator: `(pending, done, failed)`.
    pub async fn delivery_counts(&self) -> Result<(i64, i64, i64), StoreError> {
        let sql = "SELECT \
                   COALESCE(SUM(CASE WHEN hook_state = 'pending' THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN hook_state = 'done' THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN hook_state = 'failed' THEN 1 ELSE 0 END), 0) FROM hook_deliveries";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).fetch_one(pool).await?))
    }

    /// The users with a permission row on the repository with forge id `uid`.
    pub async fn users_of_repo(&self, uid: &str) -> Result<Vec<i64>, StoreError> {
        let sql =
            "SELECT perm_user_id FROM perms JOIN repos ON repos.repo_id = perms.perm_repo_id \
                   WHERE repo_uid = $1 ORDER BY perm_user_id";
        Ok(with_pool!(self, pool => sqlx::query_scalar(sql).bind(uid).fetch_all(pool).await?))
    }

    /// The users who can plausibly see a new repository in `namespace`: those with permissions
    /// on its other repositories, and the user whose login it is.
    pub async fn users_of_namespace(&self, namespace: &str) -> Result<Vec<i64>, StoreError> {
        let sql = "SELECT DISTINCT perm_user_id FROM perms JOIN repos ON repos.repo_id = perms.perm_repo_id \
                   WHERE repo_namespace = $1 \
                   UNION SELECT user_id FROM users WHERE user_login = $1 AND user_active = TRUE";
        let mut users: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(sql).bind(namespace).fetch_all(pool).await?);
        users.sort_unstable();
        users.dedup();
        Ok(users)
    }

    /// Renames (or moves) the repository with forge id `uid`, in one transaction: a row already
    /// holding the new name is detached as `name~<its id>`, as a sync does. `false` when no such
    /// repository is stored.
    pub async fn rename_repo(&self, uid: &str, full_name: &str) -> Result<bool, StoreError> {
        let (namespace, name) = full_name.rsplit_once('/').unwrap_or(("", full_name));
        let now = now_s();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE repos SET repo_full_name = repo_full_name || '~' || repo_uid, repo_updated = $1 \
                         WHERE repo_full_name = $2 AND repo_uid <> $3")
                .bind(now).bind(full_name).bind(uid).execute(&mut *tx).await?;
            let renamed = sqlx::query("UPDATE repos SET repo_full_name = $1, repo_namespace = $2, repo_name = $3, \
                                       repo_updated = $4 WHERE repo_uid = $5 AND repo_full_name <> $1")
                .bind(full_name).bind(namespace).bind(name).bind(now).bind(uid).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok(renamed > 0)
        })
    }

    /// Sets a stored repository's archived flag; `false` when nothing changed.
    pub async fn set_repo_archived(&self, uid: &str, archived: bool) -> Result<bool, StoreError> {
        let sql = "UPDATE repos SET repo_archived = $1, repo_updated = $2 WHERE repo_uid = $3 AND repo_archived <> $1";
        let changed = with_pool!(self, pool => sqlx::query(sql).bind(archived).bind(now_s()).bind(uid).execute(pool).await?.rows_affected());
        Ok(changed > 0)
    }

    /// Sets a stored repository's visibility; `false` when nothing changed.
    pub async fn set_repo_visibility(
        &self,
        uid: &str,
        visibility: &str,
    ) -> Result<bool, StoreError> {
        let private = visibility != "public";
        let sql = "UPDATE repos SET repo_visibility = $1, repo_private = $2, repo_updated = $3 \
                   WHERE repo_uid = $4 AND repo_visibility <> $1";
        let changed = with_pool!(self, pool => sqlx::query(sql).bind(visibility).bind(private).bind(now_s()).bind(uid).execute(pool).await?.rows_affected());
        Ok(changed > 0)
    }

    /// Removes every user's permission on the repository with forge id `uid` (it was deleted, or
    /// the forge no longer grants access to it) and returns whose were removed. The row stays,
    /// with its history, as a sync's revocation leaves it.
    pub async fn revoke_repo(&self, uid: &str) -> Result<Vec<i64>, StoreError> {
        let users = self.users_of_repo(uid).await?;
        let sql = "DELETE FROM perms WHERE perm_repo_id IN (SELECT repo_id FROM repos WHERE repo_uid = $1)";
        with_pool!(self, pool => sqlx::query(sql).bind(uid).execute(pool).await.map(drop)?);
        Ok(users)
    }
}
