use serde_json::Value;
use server::store::{Database, DatabaseUrl};

use crate::helpers::{fresh_postgres_database, migration_count, spawn_app, spawn_app_on};

#[tokio::test]
async fn first_start_creates_the_sqlite_file_with_wal_and_foreign_keys() {
    let app = spawn_app().await;
    assert!(app.data_dir.path().join("reposync.db").is_file());
    let Database::Sqlite(pool) = &app.db else {
        panic!("SQLite is the default")
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(foreign_keys, 1);
    let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(timeout >= 1000, "busy timeout {timeout} ms");
}

#[tokio::test]
async fn missing_data_directories_are_created() {
    let root = tempfile::tempdir().unwrap();
    let nested = root.path().join("a/b/c");
    let url = DatabaseUrl::resolve(None, &nested).unwrap();
    let db = Database::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    assert!(nested.join("reposync.db").is_file());
}

#[tokio::test]
async fn migrating_again_is_harmless() {
    let app = spawn_app().await;
    app.db.migrate().await.unwrap();
    assert_eq!(
        app.db.migrations_applied().await.unwrap(),
        migration_count("sqlite")
    );
}

#[tokio::test]
async fn the_server_runs_on_postgres_with_its_migrations() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    let app = spawn_app_on(Some(url)).await;
    assert_eq!(
        app.db.migrations_applied().await.unwrap(),
        migration_count("postgres")
    );
    let body: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(body["database"]["kind"], "postgres");
    assert_eq!(body["database"]["reachable"], true);
    app.db.migrate().await.unwrap();
}
