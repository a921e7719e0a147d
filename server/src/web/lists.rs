//! Users' repository lists as the web serves them, kept until the data under them changes.
//!
//! Reading a large list is the server's most expensive request — 10,000 joined rows through
//! sqlx, then 5 MB of JSON for the REST API, or a filtered page for every keystroke in the
//! dashboard's filter — and the same list is asked for again and again. Each kept list carries
//! the database's *list generation* ([`Database::list_generation`]): a number that triggers
//! increase in the same transaction as any change to `repos` or `perms`, whoever makes it —
//! this process, another one on the same database, or an operator at the SQL prompt. A request
//! reads the generation first (one single-row query); while it has not moved, the kept rows are
//! exactly what the database would return. It is also the REST list's `ETag`.
//!
//! The generation is global, so any write empties the whole cache and lists are rebuilt on
//! their next request, as they would have been without it. Memory is bounded: a list that would
//! take the cache over its budget is served but not kept. (A database restored from a backup
//! under a running server can bring an old generation number back: restart the server after a
//! restore, as one would anyway.)

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use bytes::Bytes;

use super::api::json::RepoJson;
use crate::store::{repos::UserRepo, Database, StoreError};

/// What the cache may hold, in (estimated) bytes: a 10,000-repository list's rows and JSON are
/// about 10 MB together.
pub const BUDGET: usize = 128 << 20;

/// A user's repositories by full name, as read at `generation`.
#[derive(Clone, Debug)]
pub struct List {
    pub generation: i64,
    pub rows: Arc<[UserRepo]>,
    /// The REST API's JSON for `rows`, made on first use and kept with them.
    json: Arc<OnceLock<Bytes>>,
}

impl List {
    /// Drone's JSON array of the rows.
    pub fn json(&self) -> Bytes {
        self.json
            .get_or_init(|| {
                let json: Vec<RepoJson> = self.rows.iter().map(RepoJson::of).collect();
                Bytes::from(
                    serde_json::to_vec(&json)
                        .expect("plain structs of strings and numbers serialise"),
                )
            })
            .clone()
    }

    /// The list's entity tag: the same bytes for the same user, generation and release.
    pub fn etag(&self, user_id: i64) -> String {
        format!(
            "\"{}-{user_id}-{}\"",
            env!("CARGO_PKG_VERSION"),
            self.generation
        )
    }
}

/// Lists by user, all valid for one generation.
pub struct Lists {
    budget: usize,
    kept: Mutex<Kept>,
    /// One read at a time per user: requests that miss together wait for the first one's rows
    /// instead of each reading 10,000 of them (right after a write, every list misses at once).
    reading: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Default)]
struct Kept {
    generation: i64,
    bytes: usize,
    lists: HashMap<i64, List>,
}

impl Lists {
    pub fn new(budget: usize) -> Self {
        Lists {
            budget,
            kept: Mutex::new(Kept::default()),
            reading: Mutex::default(),
        }
    }

    /// `user_id`'s repositories, kept or read.
    pub async fn of(&self, db: &Database, user_id: i64) -> Result<List, StoreError> {
        // First the generation, then the rows: rows read after it are at least as new, so a list
        // kept under it never shows data older than it stands for.
        let generation = db.list_generation().await?;
        if let Some(list) = self.kept(generation, user_id) {
            return Ok(list);
        }
        let turn = self.turn(user_id);
        let _reading = turn.lock().await;
        // Whoever read before us may have kept the list; the generation may have moved too.
        let generation = db.list_generation().await?;
        if let Some(list) = self.kept(generation, user_id) {
            return Ok(list);
        }
        let list = List {
            generation,
            rows: db.user_repos(user_id).await?.into(),
            json: Arc::default(),
        };
        self.keep(user_id, list.clone());
        Ok(list)
    }

    /// `user_id`'s reading lock (made on first use; those of users no one is waiting on are
    /// dropped as others are made, so the map stays as small as the set of users reading).
    fn turn(&self, user_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut reading = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        reading.retain(|_, turn| Arc::strong_count(turn) > 1);
        reading.entry(user_id).or_default().clone()
    }

    /// The list kept for `user_id` at `generation`; a different generation empties the cache.
    fn kept(&self, generation: i64, user_id: i64) -> Option<List> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.generation != generation {
            *kept = Kept {
                generation,
                ..Kept::default()
            };
            return None;
        }
        kept.lists.get(&user_id).cloned()
    }

    /// Keeps `list` if the cache is still at its generation (a request that read an older one
    /// while another saw a newer one must not put its rows back) and the budget allows.
    fn keep(&self, user_id: i64, list: List) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.generation != list.generation {
            return;
        }
        let replaced = kept.lists.get(&user_id).map_or(0, weight);
        let bytes = kept.bytes - replaced + weight(&list);
        if bytes > self.budget {
            return;
        }
        kept.bytes = bytes;
        kept.lists.insert(user_id, list);
    }

    /// How many lists are kept (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .lists
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Roughly what a kept list costs: its strings and fixed fields, twice over for the JSON it may
/// come to carry (which is about as long).
fn weight(list: &List) -> usize {
    let row = |r: &UserRepo| {
        let repo = &r.repo;
        [
            &repo.repo_uid,
            &repo.repo_namespace,
            &repo.repo_name,
            &repo.repo_full_name,
            &repo.repo_visibility,
            &repo.repo_branch,
            &repo.repo_clone_url,
            &repo.repo_ssh_url,
            &repo.repo_link,
        ]
        .iter()
        .map(|s| s.len())
        .sum::<usize>()
            + std::mem::size_of::<UserRepo>()
    };
    2 * list.rows.iter().map(row).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DatabaseUrl;

    async fn db() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(&DatabaseUrl::resolve(None, dir.path()).unwrap())
            .await
            .unwrap();
        db.migrate().await.unwrap();
        (dir, db)
    }

    fn list(generation: i64, rows: usize) -> List {
        let row = UserRepo {
            repo: crate::store::repos::Repo {
                repo_id: 1,
                repo_uid: "1".into(),
                repo_namespace: "o".into(),
                repo_name: "r".into(),
                repo_full_name: "o/r".into(),
                repo_private: false,
                repo_visibility: "public".into(),
                repo_branch: "main".into(),
                repo_clone_url: String::new(),
                repo_ssh_url: String::new(),
                repo_link: String::new(),
                repo_archived: false,
                repo_synced: 0,
                repo_created: 0,
                repo_updated: 0,
            },
            perm_pull: true,
            perm_push: false,
            perm_admin: false,
            perm_synced: 0,
        };
        List {
            generation,
            rows: vec![row; rows].into(),
            json: Arc::default(),
        }
    }

    #[tokio::test]
    async fn lists_are_kept_per_user_until_the_generation_moves() {
        let (_dir, db) = db().await;
        let lists = Lists::new(BUDGET);
        assert!(lists.of(&db, 1).await.unwrap().rows.is_empty());
        lists.of(&db, 2).await.unwrap();
        assert_eq!(lists.len(), 2);
        // A kept list is served as it was kept (it is not re-read).
        lists.keep(1, list(0, 3));
        assert_eq!(lists.of(&db, 1).await.unwrap().rows.len(), 3);
        // Any write empties the cache.
        let sql = "INSERT INTO repos (repo_uid, repo_namespace, repo_name, repo_full_name, repo_private, \
                   repo_visibility, repo_branch, repo_clone_url, repo_ssh_url, repo_link, repo_synced, \
                   repo_created, repo_updated) VALUES ('9', 'o', 'n', 'o/n', FALSE, 'public', 'main', '', '', '', 0, 0, 0)";
        let Database::Sqlite(pool) = &db else {
            unreachable!()
        };
        sqlx::query(sql).execute(pool).await.unwrap();
        assert!(lists.of(&db, 1).await.unwrap().rows.is_empty());
        assert_eq!(lists.len(), 1, "user 2's list went too");
    }

    #[tokio::test]
    async fn requests_that_miss_together_read_once() {
        let (_dir, db) = db().await;
        let lists = Lists::new(BUDGET);
        let turn = lists.turn(1);
        let held = turn.lock().await;
        // Both requests miss and queue behind the held turn, as behind a first reader, which
        // then keeps its rows.
        let waiting = futures::future::join(lists.of(&db, 1), lists.of(&db, 1));
        let keep_first = async {
            // The map, this test and the two waiters.
            while Arc::strong_count(&turn) < 4 {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            lists.keep(1, list(0, 3));
            drop(held);
        };
        let both = futures::future::join(waiting, keep_first);
        let ((a, b), ()) = tokio::time::timeout(std::time::Duration::from_secs(10), both)
            .await
            .expect("the waiters queued");
        assert_eq!(
            (a.unwrap().rows.len(), b.unwrap().rows.len()),
            (3, 3),
            "both took the first reader's rows instead of reading their own (none)"
        );
        drop(turn);
        lists.turn(2);
        assert_eq!(
            lists.reading.lock().unwrap().len(),
            1,
            "unused turns are dropped"
        );
    }

    #[test]
    fn a_late_reader_keeps_nothing_and_the_budget_holds() {
        let lists = Lists::new(weight(&list(0, 10)) * 2);
        assert!(
            lists.kept(5, 1).is_none(),
            "the cache moves to generation 5"
        );
        lists.keep(1, list(4, 1));
        assert!(
            lists.is_empty(),
            "rows read at an older generation are not kept"
        );
        lists.keep(1, list(5, 10));
        lists.keep(2, list(5, 10));
        assert_eq!(lists.len(), 2);
        lists.keep(3, list(5, 1));
        assert_eq!(lists.len(), 2, "over budget: served, not kept");
        lists.keep(1, list(5, 9));
        lists.keep(3, list(5, 1));
        assert_eq!(lists.len(), 3, "replacing a list frees its share");
    }

    #[test]
    fn the_json_is_made_once_and_tagged_by_generation() {
        let one = list(7, 2);
        let json = one.json();
        assert!(std::ptr::eq(json.as_ptr(), one.clone().json().as_ptr()));
        let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(parsed[1]["slug"], "o/r");
        assert_ne!(one.etag(1), list(8, 2).etag(1));
        assert_ne!(one.etag(1), one.etag(2));
    }
}
