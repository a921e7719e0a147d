//! The `sync_leases` table: which process may sync a user right now.
//!
//! A lease is claimed with one conditional upsert, so two processes racing for the same user
//! cannot both win; it expires on its own, so a crashed holder never blocks a user for longer
//! than the lease's time to live. The holder renews it while the sync runs.

use super::{now_ms, Database, StoreError};

impl Database {
    /// Claims the lease for `user_id` if it is free or expired; true when `owner` now holds it.
    pub async fn try_acquire_lease(
        &self,
        user_id: i64,
        owner: &str,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let sql = "INSERT INTO sync_leases (lease_user_id, lease_owner, lease_expires_ms) VALUES ($1, $2, $3) \
                   ON CONFLICT (lease_user_id) DO UPDATE SET lease_owner = excluded.lease_owner, \
                   lease_expires_ms = excluded.lease_expires_ms WHERE sync_leases.lease_expires_ms < $4";
        let claimed = with_pool!(self, pool => sqlx::query(sql)
            .bind(user_id)
            .bind(owner)
            .bind(now + ttl_ms)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(claimed == 1)
    }

    /// Extends `owner`'s lease; false if it lost it meanwhile.
    pub async fn renew_lease(
        &self,
        user_id: i64,
        owner: &str,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE sync_leases SET lease_expires_ms = $1 WHERE lease_user_id = $2 AND lease_owner = $3";
        let renewed = with_pool!(self, pool => sqlx::query(sql)
            .bind(now_ms() + ttl_ms)
            .bind(user_id)
            .bind(owner)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(renewed == 1)
    }

    /// Gives the lease up (only `owner`'s own).
    pub async fn release_lease(&self, user_id: i64, owner: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM sync_leases WHERE lease_user_id = $1 AND lease_owner = $2";
        with_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(owner).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Whether someone holds an unexpired lease on `user_id`.
    pub async fn lease_held(&self, user_id: i64) -> Result<bool, StoreError> {
        let sql =
            "SELECT COUNT(*) FROM sync_leases WHERE lease_user_id = $1 AND lease_expires_ms >= $2";
        let held: i64 = with_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).bind(now_ms()).fetch_one(pool).await?);
        Ok(held > 0)
    }
}
