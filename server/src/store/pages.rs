//! The `forge_pages` table: each listing page's last ETag and contents, per user, so that an
//! unchanged account costs 304s — across restarts and across server replicas.

use super::{now_s, Database, StoreError};

impl Database {
    /// The stored `(etag, body)` of a page.
    pub async fn page_get(
        &self,
        user_id: i64,
        url: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let sql = "SELECT page_etag, page_body FROM forge_pages WHERE page_user_id = $1 AND page_url = $2";
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(user_id).bind(url).fetch_optional(pool).await?),
        )
    }

    pub async fn page_put(
        &self,
        user_id: i64,
        url: &str,
        etag: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO forge_pages (page_user_id, page_url, page_etag, page_body, page_fetched) \
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT (page_user_id, page_url) DO UPDATE SET \
                   page_etag = excluded.page_etag, page_body = excluded.page_body, page_fetched = excluded.page_fetched";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(user_id)
            .bind(url)
            .bind(etag)
            .bind(body)
            .bind(now_s())
            .execute(pool)
            .await.map(drop)?);
        Ok(())
    }
}
