//! The sync engine against the simulator, each scenario on SQLite and on PostgreSQL.

use std::{sync::Arc, time::Duration};

use server::{
    forge::{github::GitHub, http::HttpClient, ForgeError},
    sim::{Role, Simulator},
    store::{secrets::Secrets, users::NewUser, Database, DatabaseUrl},
    sync::{Engine, Outcome, Settings, SyncError, Trigger},
};
use tempfile::TempDir;

use crate::helpers::fresh_postgres_database;

/// A simulator, a migrated database and an engine on both.
struct Harness {
    sim: Simulator,
    db: Database,
    engine: Arc<Engine>,
    secrets: Secrets,
    _dir: TempDir,
}

async fn database(postgres: bool, dir: &TempDir) -> Option<Database> {
    let url = if postgres {
        Some(fresh_postgres_database().await?)
    } else {
        None
    };
    let db = Database::connect(&DatabaseUrl::resolve(url.as_deref(), dir.path()).unwrap())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    Some(db)
}

fn engine_for(
    sim: &Simulator,
    db: &Database,
    secrets: &Secrets,
    settings: Settings,
) -> Arc<Engine> {
    engine_with_oauth(sim, db, secrets, settings, None)
}

fn engine_with_oauth(
    sim: &Simulator,
    db: &Database,
    secrets: &Secrets,
    settings: Settings,
    oauth: Option<server::forge::oauth::OAuthClient>,
) -> Arc<Engine> {
    let policy = crate::helpers::test_policy();
    let forge = Arc::new(GitHub::new(&sim.url(), HttpClient::new(policy), 4).with_per_page(50));
    Engine::new(db.clone(), forge, oauth, secrets.clone(), settings)
}

impl Harness {
    async fn new(postgres: bool) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let db = database(postgres, &dir).await?;
        let sim = Simulator::start().await.unwrap();
        let secrets = Secrets::ephemeral();
        let engine = engine_for(&sim, &db, &secrets, Settings::default());
        Some(Harness {
            sim,
            db,
            engine,
            secrets,
            _dir: dir,
        })
    }

    /// A forge account and the matching Reposync user; returns the user's id.
    async fn user(&self, login: &str) -> i64 {
        let token = self.sim.world().add_user(login);
        let new = NewUser {
            login: login.into(),
            token: Some(self.secrets.seal(&token)),
            ..NewUser::default()
        };
        self.db.create_user(&new).await.unwrap().user_id
    }

    async fn names(&self, user_id: i64) -> Vec<String> {
        self.db
            .user_repos(user_id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.repo.repo_full_name)
            .collect()
    }

    async fn sync(&self, user_id: i64) -> server::sync::SyncReport {
        self.engine
            .sync(user_id, Trigger::Manual)
            .await
            .expect("the sync succeeds")
    }
}

/// Runs a scenario once on SQLite and once on PostgreSQL.
macro_rules! on_both {
    ($name:ident, |$h:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn scenario($h: Harness) $body

            #[tokio::test]
            async fn sqlite() {
                scenario(Harness::new(false).await.unwrap()).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(harness) = Harness::new(true).await {
                    scenario(harness).await;
                }
            }
        }
    };
}

on_both!(first_sync_stores_repositories_with_exact_permissions, |h| {
    let user = h.user("octocat").await;
    {
        let mut world = h.sim.world();
        world.add_repo("foo", "bar", true, &[("octocat", Role::Write)]);
        world.add_repo("foo", "admin", false, &[("octocat", Role::Admin)]);
        world.add_repo("foo", "read", true, &[("octocat", Role::Read)]);
        world.add_repo("foo", "hidden", true, &[("someone", Role::Admin)]);
    }
    let report = h.sync(user).await;
    assert_eq!((report.listed, report.added, report.revoked), (3, 3, 0));
    assert_eq!(h.names(user).await, ["foo/admin", "foo/bar", "foo/read"]);
    let rows = h.db.user_repos(user).await.unwrap();
    let perm = |name: &str| {
        let r = rows.iter().find(|r| r.repo.repo_full_name == name).unwrap();
        (r.perm_pull, r.perm_push, r.perm_admin)
    };
    assert_eq!(perm("foo/bar"), (true, true, false));
    assert_eq!(perm("foo/admin"), (true, true, true));
    assert_eq!(perm("foo/read"), (true, false, false));

    // The seed's check works on the resulting database.
    let found = match &h.db {
        Database::Sqlite(pool) => sqlx::query_scalar::<_, String>(
            "select repo_full_name from repos where repo_full_name = 'foo/bar'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        Database::Postgres(pool) => sqlx::query_scalar::<_, String>(
            "select repo_full_name from repos where repo_full_name = 'foo/bar'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    assert_eq!(found, ["foo/bar"]);
    let user_row = h.db.user_by_id(user).await.unwrap().unwrap();
    assert!(user_row.user_synced > 0);
    let run = h.db.run_by_id(report.run_id).await.unwrap().unwrap();
    assert_eq!(run.run_outcome, "success");
    assert_eq!(run.run_added, 3);
});

on_both!(
    a_resync_without_changes_rewrites_nothing_and_costs_304s,
    |h| {
        let user = h.user("octocat").await;
        h.sim.world().seed("octocat", 3, 120);
        let first = h.sync(user).await;
        assert_eq!(first.pages, 3);
        let before = h.db.user_repos(user).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let again = h.sync(user).await;
        assert_eq!(
            (again.added, again.updated, again.renamed, again.revoked),
            (0, 0, 0, 0)
        );
        assert_eq!(again.not_modified, 3, "every page answered 304");
        let after = h.db.user_repos(user).await.unwrap();
        assert_eq!(
            before, after,
            "no row was rewritten (their update times would have moved)"
        );
    }
);

on_both!(
    new_deleted_renamed_transferred_and_archived_repositories,
    |h| {
        let user = h.user("octocat").await;
        let (keep, gone, renamed, moved, archived) = {
            let mut w = h.sim.world();
            (
                w.add_repo("acme", "keep", true, &[("octocat", Role::Write)]),
                w.add_repo("acme", "gone", true, &[("octocat", Role::Write)]),
                w.add_repo("acme", "old-name", true, &[("octocat", Role::Write)]),
                w.add_repo("acme", "moving", true, &[("octocat", Role::Write)]),
                w.add_repo("acme", "dusty", true, &[("octocat", Role::Write)]),
            )
        };
        h.sync(user).await;
        let renamed_row =
            h.db.repo_by_uid(&renamed.to_string())
                .await
                .unwrap()
                .unwrap();
        {
            let mut w = h.sim.world();
            w.repos.remove(&gone);
            w.repo_mut(renamed).name = "new-name".into();
            w.repo_mut(moved).owner = "elsewhere".into();
            w.repo_mut(archived).archived = true;
            w.add_repo("acme", "fresh", true, &[("octocat", Role::Read)]);
        }
        let report = h.sync(user).await;
        assert_eq!((report.added, report.renamed, report.revoked), (1, 2, 1));
        assert_eq!(
            h.names(user).await,
            [
                "acme/dusty",
                "acme/fresh",
                "acme/keep",
                "acme/new-name",
                "elsewhere/moving"
            ]
        );
        let after =
            h.db.repo_by_uid(&renamed.to_string())
                .await
                .unwrap()
                .unwrap();
        assert_eq!(after.repo_id, renamed_row.repo_id, "a rename keeps the row");
        assert!(
            h.db.repo_by_full_name("acme/dusty")
                .await
                .unwrap()
                .unwrap()
                .repo_archived
        );
        assert!(h.db.repo_by_full_name("acme/keep").await.unwrap().is_some());
        let _ = keep;
    }
);

on_both!(a_name_recreated_under_a_new_id_does_not_collide, |h| {
    let user = h.user("octocat").await;
    let old = h
        .sim
        .world()
        .add_repo("acme", "app", true, &[("octocat", Role::Admin)]);
    h.sync(user).await;
    {
        let mut w = h.sim.world();
        w.repos.remove(&old);
        w.add_repo("acme", "app", true, &[("octocat", Role::Read)]);
    }
    let report = h.sync(user).await;
    assert_eq!((report.added, report.revoked), (1, 1));
    let rows = h.db.user_repos(user).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].repo.repo_uid, old.to_string());
    assert_eq!(rows[0].repo.repo_full_name, "acme/app");
    let detached = h.db.repo_by_uid(&old.to_string()).await.unwrap().unwrap();
    assert_eq!(detached.repo_full_name, format!("acme/app~{old}"));
});

on_both!(swapped_names_are_applied, |h| {
    let user = h.user("octocat").await;
    let (a, b) = {
        let mut w = h.sim.world();
        (
            w.add_repo("o", "a", true, &[("octocat", Role::Read)]),
            w.add_repo("o", "b", true, &[("octocat", Role::Read)]),
        )
    };
    h.sync(user).await;
    {
        let mut w = h.sim.world();
        w.repo_mut(a).name = "b".into();
        w.repo_mut(b).name = "a".into();
    }
    let report = h.sync(user).await;
    assert_eq!(report.renamed, 2);
    assert_eq!(
        h.db.repo_by_full_name("o/a")
            .await
            .unwrap()
            .unwrap()
            .repo_uid,
        b.to_string()
    );
    assert_eq!(
        h.db.repo_by_full_name("o/b")
            .await
            .unwrap()
            .unwrap()
            .repo_uid,
        a.to_string()
    );
});

on_both!(permission_upgrades_and_downgrades, |h| {
    let user = h.user("octocat").await;
    let (up, down) = {
        let mut w = h.sim.world();
        (
            w.add_repo("o", "up", true, &[("octocat", Role::Read)]),
            w.add_repo("o", "down", true, &[("octocat", Role::Admin)]),
        )
    };
    h.sync(user).await;
    {
        let mut w = h.sim.world();
        w.repo_mut(up).access.insert("octocat".into(), Role::Admin);
        w.repo_mut(down).access.insert("octocat".into(), Role::Read);
    }
    let report = h.sync(user).await;
    assert_eq!(report.updated, 2);
    let rows = h.db.user_repos(user).await.unwrap();
    let flags = |name: &str| {
        let r = rows.iter().find(|r| r.repo.repo_name == name).unwrap();
        (r.perm_pull, r.perm_push, r.perm_admin)
    };
    assert_eq!(flags("up"), (true, true, true));
    assert_eq!(flags("down"), (true, false, false));
});

on_both!(two_users_sharing_repositories_keep_their_own_rows, |h| {
    let alice = h.user("alice").await;
    let bob = h.user("bob").await;
    let shared = h.sim.world().add_repo(
        "team",
        "shared",
        true,
        &[("alice", Role::Admin), ("bob", Role::Read)],
    );
    h.sim
        .world()
        .add_repo("team", "alice-only", true, &[("alice", Role::Write)]);
    // Bob keeps one repository: losing his only one would be an empty listing, which revokes nothing.
    h.sim
        .world()
        .add_repo("bob", "own", true, &[("bob", Role::Admin)]);
    h.sync(alice).await;
    let bob_report = h.sync(bob).await;
    assert_eq!(bob_report.added, 2);
    let shared_row =
        h.db.repo_by_uid(&shared.to_string())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(h.db.perm_count(shared_row.repo_id).await.unwrap(), 2);
    h.sim.world().repo_mut(shared).access.remove("bob");
    let report = h.sync(bob).await;
    assert_eq!(report.revoked, 1);
    assert_eq!(h.names(bob).await, ["bob/own"]);
    assert_eq!(
        h.names(alice).await,
        ["team/alice-only", "team/shared"],
        "alice is untouched"
    );
});

on_both!(an_empty_listing_revokes_nothing, |h| {
    let user = h.user("octocat").await;
    h.sim.world().seed("octocat", 2, 5);
    h.sync(user).await;
    h.sim.faults().empty_listing = true;
    let report = h.sync(user).await;
    assert_eq!(report.outcome, Outcome::EmptyIgnored);
    assert_eq!(report.revoked, 0);
    assert_eq!(h.names(user).await.len(), 5);
    let run = h.db.run_by_id(report.run_id).await.unwrap().unwrap();
    assert_eq!(run.run_outcome, "empty_ignored");
    assert!(
        run.run_error.contains("listed no repositories"),
        "{}",
        run.run_error
    );
});

on_both!(a_failing_page_changes_nothing, |h| {
    let user = h.user("octocat").await;
    h.sim.world().seed("octocat", 2, 240);
    h.sync(user).await;
    let before = h.db.user_repos(user).await.unwrap();
    let synced_before = h.db.user_by_id(user).await.unwrap().unwrap().user_synced;
    {
        let mut w = h.sim.world();
        let ids: Vec<u64> = w.repos.keys().copied().take(30).collect();
        for id in ids {
            w.repos.remove(&id);
        }
    }
    h.sim.faults().fail_page = Some(3);
    let error = h.engine.sync(user, Trigger::Manual).await.unwrap_err();
    assert!(
        matches!(
            error,
            SyncError::Forge(ForgeError::Server { status: 500, .. })
        ),
        "{error:?}"
    );
    assert_eq!(
        h.db.user_repos(user).await.unwrap(),
        before,
        "the previous state stays whole"
    );
    assert_eq!(
        h.db.user_by_id(user).await.unwrap().unwrap().user_synced,
        synced_before,
        "a failed sync is not a sync"
    );
    let run = &h.db.runs_for_user(user, 1).await.unwrap()[0];
    assert_eq!(run.run_outcome, "failed");
    assert!(run.run_error.contains("500"), "{}", run.run_error);
    // The next trigger retries and succeeds.
    h.sim.faults().fail_page = None;
    assert_eq!(h.sync(user).await.revoked, 30);
});

on_both!(
    a_revoked_token_asks_for_a_new_login_and_revokes_nothing,
    |h| {
        let user = h.user("octocat").await;
        h.sim.world().seed("octocat", 1, 4);
        h.sync(user).await;
        h.sim.world().revoke_tokens("octocat");
        let error = h.engine.sync(user, Trigger::Manual).await.unwrap_err();
        assert_eq!(error, SyncError::Forge(ForgeError::Unauthorized));
        assert!(h.db.user_by_id(user).await.unwrap().unwrap().user_reauth);
        assert_eq!(h.names(user).await.len(), 4);
    }
);

on_both!(rate_limiting_is_reported_and_changes_nothing, |h| {
    let user = h.user("octocat").await;
    h.sim.world().seed("octocat", 1, 120);
    h.sync(user).await;
    {
        let mut f = h.sim.faults();
        f.rate_limit = Some(1);
        f.rate_reset_after = Duration::from_secs(600);
    }
    h.sim
        .world()
        .add_repo("late", "repo", true, &[("octocat", Role::Read)]);
    let error = h.engine.sync(user, Trigger::Manual).await.unwrap_err();
    assert!(
        matches!(error, SyncError::Forge(ForgeError::RateLimited { .. })),
        "{error:?}"
    );
    assert_eq!(h.names(user).await.len(), 120);
});

on_both!(twenty_concurrent_requests_cause_one_traversal, |h| {
    let user = h.user("octocat").await;
    h.sim.world().seed("octocat", 2, 200);
    h.sim.faults().latency = Duration::from_millis(30);
    let requests: Vec<_> = (0..20)
        .map(|_| {
            let engine = Arc::clone(&h.engine);
            tokio::spawn(async move { engine.sync(user, Trigger::ApiFlush).await })
        })
        .collect();
    let mut run_ids = Vec::new();
    for request in requests {
        run_ids.push(request.await.unwrap().unwrap().run_id);
    }
    run_ids.dedup();
    assert_eq!(run_ids.len(), 1, "every request got the one sync's result");
    assert_eq!(
        h.sim.counters().list_pages,
        4,
        "one traversal of four pages"
    );
});

on_both!(
    a_caller_arriving_mid_listing_gets_a_listing_made_after_it,
    |h| {
        let user = h.user("octocat").await;
        h.sim.world().seed("octocat", 2, 200);
        h.sim.faults().latency = Duration::from_millis(40);
        let first = {
            let engine = Arc::clone(&h.engine);
            tokio::spawn(async move { engine.sync(user, Trigger::Manual).await })
        };
        while h.sim.counters().list_pages == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // The running sync is listing; a repository appears and its webhook asks for a sync.
        // (It sorts last, so the running listing's pages do not shift under it; whether that
        // listing still sees it is a matter of timing, and not what this test is about.)
        h.sim
            .world()
            .add_repo("zz-late", "late", true, &[("octocat", Role::Admin)]);
        let late = h.engine.sync(user, Trigger::Webhook).await.unwrap();
        let first = first.await.unwrap().unwrap();
        assert_ne!(
            late.run_id, first.run_id,
            "the late caller did not take the running sync's result"
        );
        assert_eq!(late.listed, 201);
        assert!(h.names(user).await.contains(&"zz-late/late".to_owned()));
    }
);

on_both!(two_processes_on_one_database_sync_a_user_once, |h| {
    let user = h.user("octocat").await;
    h.sim.world().seed("octocat", 2, 200);
    h.sim.faults().latency = Duration::from_millis(40);
    // A second engine is a second process: its own lease owner and in-process table.
    let other = engine_for(&h.sim, &h.db, &h.secrets, Settings::default());
    let (a, b) = tokio::join!(
        h.engine.sync(user, Trigger::Manual),
        other.sync(user, Trigger::Manual)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.run_id, b.run_id,
        "the second process joined the first one's run"
    );
    assert_eq!(h.sim.counters().list_pages, 4);
});

on_both!(a_crashed_process_lease_expires_and_its_run_is_closed, |h| {
    let user = h.user("octocat").await;
    h.sim.world().seed("octocat", 1, 3);
    // A process claimed the user, started a run, and died.
    assert!(h
        .db
        .try_acquire_lease(user, "dead-process", 300)
        .await
        .unwrap());
    let dead_run = h.db.start_run(user, "manual").await.unwrap();
    let settings = Settings {
        lease_ttl: Duration::from_millis(300),
        ..Settings::default()
    };
    let engine = engine_for(&h.sim, &h.db, &h.secrets, settings);
    let report = engine.sync(user, Trigger::Manual).await.unwrap();
    assert_eq!(report.listed, 3);
    let dead = h.db.run_by_id(dead_run).await.unwrap().unwrap();
    assert_eq!(dead.run_outcome, "failed");
    assert!(
        !h.db.lease_held(user).await.unwrap(),
        "the lease is released after the sync"
    );
});

on_both!(the_repository_filter_keeps_matching_namespaces_only, |h| {
    let user = h.user("octocat").await;
    {
        let mut w = h.sim.world();
        w.add_repo("acme", "api", true, &[("octocat", Role::Read)]);
        w.add_repo("acme-labs", "x", true, &[("octocat", Role::Read)]);
        w.add_repo("other", "y", true, &[("octocat", Role::Read)]);
    }
    let settings = Settings {
        filter: Some("acme*".parse().unwrap()),
        ..Settings::default()
    };
    let engine = engine_for(&h.sim, &h.db, &h.secrets, settings);
    engine.sync(user, Trigger::Manual).await.unwrap();
    assert_eq!(h.names(user).await, ["acme-labs/x", "acme/api"]);
});

on_both!(
    an_identical_listing_skips_planning_until_the_rows_are_touched_elsewhere,
    |h| {
        let user = h.user("octocat").await;
        h.sim.world().seed("octocat", 2, 30);
        h.sync(user).await;
        let fingerprint =
            h.db.user_by_id(user)
                .await
                .unwrap()
                .unwrap()
                .user_listing_hash;
        assert_eq!(fingerprint.len(), 64);
        let again = h.sync(user).await;
        assert_eq!((again.listed, again.added, again.revoked), (30, 0, 0));

        // Something outside a sync removes a row and says so: the next sync plans in full.
        let victim = h.db.user_repos(user).await.unwrap()[0].repo.repo_id;
        match &h.db {
            Database::Sqlite(pool) => sqlx::query("DELETE FROM perms WHERE perm_repo_id = $1")
                .bind(victim)
                .execute(pool)
                .await
                .map(drop),
            Database::Postgres(pool) => sqlx::query("DELETE FROM perms WHERE perm_repo_id = $1")
                .bind(victim)
                .execute(pool)
                .await
                .map(drop),
        }
        .unwrap();
        h.db.forget_listing(user).await.unwrap();
        let repaired = h.sync(user).await;
        assert_eq!(repaired.added, 1);
        assert_eq!(h.names(user).await.len(), 30);
    }
);

on_both!(
    an_ignored_empty_listing_is_not_taken_as_the_reference,
    |h| {
        let user = h.user("octocat").await;
        h.sim.world().seed("octocat", 1, 4);
        h.sync(user).await;
        let before =
            h.db.user_by_id(user)
                .await
                .unwrap()
                .unwrap()
                .user_listing_hash;
        h.sim.faults().empty_listing = true;
        assert_eq!(h.sync(user).await.outcome, Outcome::EmptyIgnored);
        assert_eq!(
            h.db.user_by_id(user)
                .await
                .unwrap()
                .unwrap()
                .user_listing_hash,
            before
        );
        // The forge recovers with one repository fewer: that is applied in full.
        h.sim.faults().empty_listing = false;
        let id = *h.sim.world().repos.keys().next().unwrap();
        h.sim.world().repos.remove(&id);
        assert_eq!(h.sync(user).await.revoked, 1);
    }
);

/// A user whose forge token expires within the renewal margin, and an engine that can renew it.
async fn expiring_user(h: &Harness) -> (i64, String, Arc<Engine>) {
    h.sim.world().add_user("octocat");
    h.sim.world().token_lifetime = Some(Duration::from_secs(120));
    let (access, refresh) = h.sim.world().issue_tokens("octocat");
    h.sim.world().seed("octocat", 1, 3);
    let user =
        h.db.create_user(&NewUser {
            login: "octocat".into(),
            ..NewUser::default()
        })
        .await
        .unwrap()
        .user_id;
    let expiry = server::store::now_s() + 120;
    h.db.set_user_token(
        user,
        &h.secrets.seal(&access),
        Some(&h.secrets.seal(&refresh)),
        expiry,
    )
    .await
    .unwrap();
    let endpoints = server::forge::github::oauth_endpoints(&h.sim.url());
    let oauth = server::forge::oauth::OAuthClient::new(
        endpoints,
        server::sim::OAUTH_CLIENT_ID,
        server::sim::OAUTH_CLIENT_SECRET,
        "http://127.0.0.1:9/login",
    )
    .unwrap();
    (
        user,
        access,
        engine_with_oauth(&h.sim, &h.db, &h.secrets, Settings::default(), Some(oauth)),
    )
}

on_both!(an_expiring_token_is_renewed_before_the_sync, |h| {
    let (user, old_access, engine) = expiring_user(&h).await;
    let report = engine.sync(user, Trigger::Manual).await.unwrap();
    assert_eq!(report.added, 3);
    let row = h.db.user_by_id(user).await.unwrap().unwrap();
    let access = h.secrets.open(row.user_token.as_deref().unwrap()).unwrap();
    assert_ne!(access, old_access, "a new access token is stored, sealed");
    assert!(row.user_expiry > server::store::now_s() + 60);
    assert!(!row.user_reauth);
});

on_both!(
    a_refused_renewal_asks_for_a_new_login_and_keeps_the_data,
    |h| {
        let (user, _, engine) = expiring_user(&h).await;
        engine.sync(user, Trigger::Manual).await.unwrap();
        // Make the stored token expire again, and let the forge forget the refresh token.
        h.db.set_user_token(
            user,
            &h.secrets.seal("stale"),
            Some(&h.secrets.seal("unknown-refresh")),
            server::store::now_s() + 10,
        )
        .await
        .unwrap();
        let error = engine.sync(user, Trigger::Manual).await.unwrap_err();
        assert_eq!(error, SyncError::Forge(ForgeError::Unauthorized));
        assert!(h.db.user_by_id(user).await.unwrap().unwrap().user_reauth);
        assert_eq!(h.names(user).await.len(), 3);
        let run = &h.db.runs_for_user(user, 1).await.unwrap()[0];
        assert_eq!(run.run_outcome, "failed");
    }
);
