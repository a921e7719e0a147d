use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_ok_version_and_database() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["database"]["kind"], "sqlite");
    assert_eq!(body["database"]["reachable"], true);
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_unreachable() {
    let app = spawn_app().await;
    app.db.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"]["reachable"], false);
}
