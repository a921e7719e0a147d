//! The forge clients' page cache, kept per user in the database (`forge_pages`).

use tokio::sync::broadcast;

use super::SyncEvent;
use crate::{
    forge::{CachedPage, PageCache},
    store::Database,
};

/// One user's stored pages; listing progress goes out as [`SyncEvent::Progress`].
pub struct UserPages {
    pub db: Database,
    pub user_id: i64,
    pub events: broadcast::Sender<SyncEvent>,
}

#[async_trait::async_trait]
impl PageCache for UserPages {
    async fn get(&self, url: &str) -> Option<CachedPage> {
        let (etag, body) = self.db.page_get(self.user_id, url).await.ok()??;
        let mut page: CachedPage = serde_json::from_str(&body).ok()?;
        page.etag = etag;
        Some(page)
    }

    async fn put(&self, url: &str, page: CachedPage) {
        // A cache that cannot be written only costs a full request next time.
        let Ok(body) = serde_json::to_string(&page) else {
            return;
        };
        if let Err(error) = self.db.page_put(self.user_id, url, &page.etag, &body).await {
            tracing::debug!(%error, "could not store a forge page");
        }
    }

    fn progress(&self, done: u32, total: Option<u32>) {
        let _ = self.events.send(SyncEvent::Progress {
            user_id: self.user_id,
            pages_done: done,
            pages_total: total,
        });
    }
}
