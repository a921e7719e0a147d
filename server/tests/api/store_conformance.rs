//! One conformance suite for the store, run against SQLite and PostgreSQL: every query the
//! engine relies on must behave the same on both.

use server::store::{
    apply::{Changes, PermTarget, PermWrite, RepoWrite},
    runs::RunFinish,
    users::NewUser,
    Database, DatabaseUrl, StoreError,
};
use tempfile::TempDir;

use crate::helpers::fresh_postgres_database;

async fn open(postgres: bool, dir: &TempDir) -> Option<Database> {
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

macro_rules! conformance {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn check($db: Database) $body

            #[tokio::test]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                check(open(false, &dir).await.unwrap()).await;
            }

            #[tokio::test]
            async fn postgres() {
                let dir = tempfile::tempdir().unwrap();
                if let Some(db) = open(true, &dir).await {
                    check(db).await;
                }
            }
        }
    };
}

fn repo(uid: &str, full_name: &str) -> RepoWrite {
    let (namespace, name) = full_name.split_once('/').unwrap();
    RepoWrite {
        uid: uid.into(),
        namespace: namespace.into(),
        name: name.into(),
        full_name: full_name.into(),
        private: true,
        visibility: "private".into(),
        branch: "main".into(),
        clone_url: format!("https://f.test/{full_name}.git"),
        ssh_url: format!("git@f.test:{full_name}.git"),
        link: format!("https://f.test/{full_name}"),
        archived: false,
    }
}

async fn user(db: &Database, login: &str) -> i64 {
    db.create_user(&NewUser {
        login: login.into(),
        ..NewUser::default()
    })
    .await
    .unwrap()
    .user_id
}

async fn run(db: &Database, user_id: i64) -> i64 {
    db.start_run(user_id, "manual").await.unwrap()
}

conformance!(users_are_unique_by_login_and_round_trip, |db| {
    let new = NewUser {
        login: "octocat".into(),
        email: "o@x.test".into(),
        admin: true,
        token: Some(vec![0, 1, 255]),
        ..NewUser::default()
    };
    let created = db.create_user(&new).await.unwrap();
    assert_eq!(db.user_by_login("octocat").await.unwrap().unwrap(), created);
    assert_eq!(created.user_token.as_deref(), Some(&[0u8, 1, 255][..]));
    assert!(created.user_admin && created.user_active && !created.user_machine);
    assert!(matches!(
        db.create_user(&new).await,
        Err(StoreError::Query(_))
    ));
    db.mark_user_reauth(created.user_id).await.unwrap();
    assert!(
        db.user_by_id(created.user_id)
            .await
            .unwrap()
            .unwrap()
            .user_reauth
    );
    db.set_user_token(created.user_id, b"new", Some(b"refresh"), 42)
        .await
        .unwrap();
    let updated = db.user_by_id(created.user_id).await.unwrap().unwrap();
    assert!(!updated.user_reauth);
    assert_eq!(updated.user_refresh.as_deref(), Some(&b"refresh"[..]));
    assert_eq!(updated.user_expiry, 42);
});

conformance!(apply_writes_batches_larger_than_one_statement, |db| {
    let user_id = user(&db, "big").await;
    let repos: Vec<RepoWrite> = (0..1234)
        .map(|i| repo(&i.to_string(), &format!("o/r{i:04}")))
        .collect();
    let perms = repos
        .iter()
        .map(|r| PermWrite {
            target: PermTarget::Inserted(r.uid.clone()),
            pull: true,
            push: false,
            admin: false,
        })
        .collect();
    let run_id = run(&db, user_id).await;
    let changes = Changes {
        user_id,
        run_id,
        repos,
        perms,
        finish: RunFinish {
            outcome: "success".into(),
            added: 1234,
            ..RunFinish::default()
        },
        mark_synced: true,
        ..Changes::default()
    };
    db.apply(&changes).await.unwrap();
    let stored = db.user_repos(user_id).await.unwrap();
    assert_eq!(stored.len(), 1234);
    assert_eq!(
        stored[0].repo.repo_full_name, "o/r0000",
        "ordered by full name"
    );
    let uids: Vec<String> = (0..1234).map(|i| i.to_string()).collect();
    let uids: Vec<&str> = uids.iter().map(String::as_str).collect();
    assert_eq!(
        db.repos_by_uids(&uids).await.unwrap().len(),
        1234,
        "IN lists are chunked"
    );
    let record = db.run_by_id(run_id).await.unwrap().unwrap();
    assert_eq!(
        (record.run_outcome.as_str(), record.run_added),
        ("success", 1234)
    );
    assert!(record.run_finished_ms >= record.run_started_ms);
    assert!(db.user_by_id(user_id).await.unwrap().unwrap().user_synced > 0);
});

conformance!(moving_aside_detaching_and_revoking, |db| {
    let user_id = user(&db, "u").await;
    let first = Changes {
        user_id,
        run_id: run(&db, user_id).await,
        repos: vec![repo("1", "o/a"), repo("2", "o/b")],
        perms: vec![
            PermWrite {
                target: PermTarget::Inserted("1".into()),
                pull: true,
                push: true,
                admin: false,
            },
            PermWrite {
                target: PermTarget::Inserted("2".into()),
                pull: true,
                push: false,
                admin: false,
            },
        ],
        ..Changes::default()
    };
    db.apply(&first).await.unwrap();
    let a = db.repo_by_uid("1").await.unwrap().unwrap();
    let b = db.repo_by_uid("2").await.unwrap().unwrap();
    // Swap names, detach nothing; revoke b's permission.
    let swap = Changes {
        user_id,
        run_id: run(&db, user_id).await,
        move_aside: vec![a.repo_id, b.repo_id],
        repos: vec![repo("1", "o/b"), repo("2", "o/a")],
        revoke: vec![b.repo_id],
        ..Changes::default()
    };
    db.apply(&swap).await.unwrap();
    assert_eq!(
        db.repo_by_full_name("o/b").await.unwrap().unwrap().repo_id,
        a.repo_id
    );
    assert_eq!(db.user_repos(user_id).await.unwrap().len(), 1);
    // A new forge id takes "o/a": the old row is detached and keeps its id.
    let takeover = Changes {
        user_id,
        run_id: run(&db, user_id).await,
        detach: vec![b.repo_id],
        repos: vec![repo("3", "o/a")],
        ..Changes::default()
    };
    db.apply(&takeover).await.unwrap();
    assert_eq!(
        db.repo_by_uid("2").await.unwrap().unwrap().repo_full_name,
        "o/a~2"
    );
    assert_eq!(
        db.repo_by_full_name("o/a").await.unwrap().unwrap().repo_uid,
        "3"
    );
});

conformance!(a_failing_apply_writes_nothing, |db| {
    let user_id = user(&db, "u").await;
    // Two rows claiming one name: the unique index fails the statement, the transaction rolls back.
    let bad = Changes {
        user_id,
        run_id: run(&db, user_id).await,
        repos: vec![repo("1", "o/same"), repo("2", "o/same")],
        perms: vec![PermWrite {
            target: PermTarget::Inserted("1".into()),
            pull: true,
            push: false,
            admin: false,
        }],
        mark_synced: true,
        ..Changes::default()
    };
    assert!(db.apply(&bad).await.is_err());
    assert!(db.repo_by_uid("1").await.unwrap().is_none());
    assert_eq!(
        db.user_by_id(user_id).await.unwrap().unwrap().user_synced,
        0
    );
});

conformance!(leases_are_exclusive_expire_and_renew, |db| {
    let user_id = user(&db, "u").await;
    assert!(db.try_acquire_lease(user_id, "a", 60_000).await.unwrap());
    assert!(
        !db.try_acquire_lease(user_id, "b", 60_000).await.unwrap(),
        "held by a"
    );
    assert!(db.lease_held(user_id).await.unwrap());
    assert!(db.renew_lease(user_id, "a", 60_000).await.unwrap());
    assert!(
        !db.renew_lease(user_id, "b", 60_000).await.unwrap(),
        "b cannot renew a's lease"
    );
    db.release_lease(user_id, "b").await.unwrap();
    assert!(
        db.lease_held(user_id).await.unwrap(),
        "b cannot release a's lease"
    );
    db.release_lease(user_id, "a").await.unwrap();
    assert!(!db.lease_held(user_id).await.unwrap());
    // An expired lease can be taken over.
    assert!(db.try_acquire_lease(user_id, "a", 1).await.unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    assert!(!db.lease_held(user_id).await.unwrap());
    assert!(db.try_acquire_lease(user_id, "b", 60_000).await.unwrap());
});

conformance!(
    runs_are_listed_newest_first_and_abandoned_ones_closed,
    |db| {
        let user_id = user(&db, "u").await;
        let first = run(&db, user_id).await;
        db.finish_run(
            first,
            &RunFinish {
                outcome: "failed".into(),
                error: "boom".into(),
                ..RunFinish::default()
            },
        )
        .await
        .unwrap();
        let second = run(&db, user_id).await;
        assert_eq!(db.abandon_runs(user_id).await.unwrap(), 1);
        let runs = db.runs_for_user(user_id, 10).await.unwrap();
        assert_eq!(
            runs.iter().map(|r| r.run_id).collect::<Vec<_>>(),
            [second, first]
        );
        assert_eq!(runs[0].run_outcome, "failed");
        assert_eq!(runs[1].run_error, "boom");
    }
);

conformance!(pages_are_stored_and_replaced, |db| {
    let user_id = user(&db, "u").await;
    assert!(db
        .page_get(user_id, "https://f.test/p1")
        .await
        .unwrap()
        .is_none());
    db.page_put(user_id, "https://f.test/p1", "W/\"1\"", "[]")
        .await
        .unwrap();
    db.page_put(user_id, "https://f.test/p1", "W/\"2\"", "[1]")
        .await
        .unwrap();
    assert_eq!(
        db.page_get(user_id, "https://f.test/p1").await.unwrap(),
        Some(("W/\"2\"".into(), "[1]".into()))
    );
});

conformance!(
    every_write_to_repos_or_perms_moves_the_list_generation,
    |db| {
        let user_id = user(&db, "u").await;
        let mut seen = db.list_generation().await.unwrap();
        // Each step must move the generation; `moved` returns the new value.
        async fn moved(db: &Database, before: i64, what: &str) -> i64 {
            let now = db.list_generation().await.unwrap();
            assert!(
                now > before,
                "{what} did not move the generation ({before} → {now})"
            );
            now
        }
        let first = Changes {
            user_id,
            run_id: run(&db, user_id).await,
            repos: vec![repo("1", "o/a"), repo("2", "o/b")],
            perms: ["1", "2"]
                .into_iter()
                .map(|uid| PermWrite {
                    target: PermTarget::Inserted(uid.into()),
                    pull: true,
                    push: false,
                    admin: false,
                })
                .collect(),
            ..Changes::default()
        };
        db.apply(&first).await.unwrap();
        seen = moved(&db, seen, "a sync inserting repositories").await;

        // A run that writes no repository or permission leaves it.
        let quiet = Changes {
            user_id,
            run_id: run(&db, user_id).await,
            mark_synced: true,
            ..Changes::default()
        };
        db.apply(&quiet).await.unwrap();
        assert_eq!(
            db.list_generation().await.unwrap(),
            seen,
            "nothing listed changed"
        );
        // So do webhook writes that match nothing.
        assert!(!db.set_repo_archived("1", false).await.unwrap());
        assert!(!db.rename_repo("404", "o/x").await.unwrap());
        assert_eq!(db.list_generation().await.unwrap(), seen, "no row matched");

        assert!(db.rename_repo("1", "o/renamed").await.unwrap());
        seen = moved(&db, seen, "a webhook rename").await;
        assert!(db.set_repo_archived("1", true).await.unwrap());
        seen = moved(&db, seen, "archiving").await;
        assert!(db.set_repo_visibility("1", "public").await.unwrap());
        seen = moved(&db, seen, "a visibility change").await;
        db.revoke_repo("2").await.unwrap();
        seen = moved(&db, seen, "a revocation").await;

        // Writes from outside Reposync (an operator at the SQL prompt) count too.
        let sql = "UPDATE repos SET repo_branch = 'trunk' WHERE repo_uid = '1'";
        match &db {
            Database::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop),
            Database::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
        }
        .unwrap();
        seen = moved(&db, seen, "a hand-written UPDATE").await;

        // Deleting the user deletes their permissions.
        db.delete_user(user_id).await.unwrap();
        moved(&db, seen, "deleting a user with permissions").await;
    }
);

/// Two transactions sharing repositories, interleaved as two syncs can be: each changes a row,
/// then the first changes the second's row and so waits for it. Were the list generation's row
/// locked by a transaction's first change (rather than as it commits), the second would wait for
/// it while holding the row the first waits for: a deadlock, and a failed sync.
#[tokio::test]
async fn writers_sharing_rows_do_not_deadlock_on_the_generation_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = open(true, &dir).await else {
        return;
    };
    let user_id = user(&db, "u").await;
    let seed = Changes {
        user_id,
        run_id: run(&db, user_id).await,
        repos: vec![repo("1", "o/a"), repo("2", "o/b")],
        ..Changes::default()
    };
    db.apply(&seed).await.unwrap();
    let before = db.list_generation().await.unwrap();
    let Database::Postgres(pool) = &db else {
        unreachable!()
    };
    let set_branch = |uid: &'static str, branch: &'static str| {
        sqlx::query("UPDATE repos SET repo_branch = $1 WHERE repo_uid = $2")
            .bind(branch)
            .bind(uid)
    };
    let soon = std::time::Duration::from_secs(5);
    let mut first = pool.begin().await.unwrap();
    let mut second = pool.begin().await.unwrap();
    set_branch("1", "x").execute(&mut *first).await.unwrap();
    tokio::time::timeout(soon, set_branch("2", "y").execute(&mut *second))
        .await
        .expect("the second writer does not wait for the first's counter")
        .unwrap();
    let waiting = tokio::spawn(async move {
        // Waits for the second's row until it commits.
        set_branch("2", "z").execute(&mut *first).await?;
        first.commit().await
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    tokio::time::timeout(soon, second.commit())
        .await
        .expect("the second writer commits while the first waits for its row")
        .unwrap();
    tokio::time::timeout(soon, waiting)
        .await
        .expect("the first writer finished")
        .unwrap()
        .expect("the first writer committed");
    assert_eq!(
        db.list_generation().await.unwrap(),
        before + 2,
        "one step per committed transaction"
    );
    let branch = db.repo_by_uid("2").await.unwrap().unwrap().repo_branch;
    assert_eq!(branch, "z", "the first writer's change came last");
}
