use serde_json::Value;

use crate::helpers::{migration_count, spawn_app};

#[tokio::test]
async fn dashboard_is_server_rendered_with_the_server_status() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(
        html.contains("<title>Repositories · Reposync</title>"),
        "{html}"
    );
    assert!(
        html.contains("Sign in with GitHub"),
        "anonymous visitors are offered the sign-in"
    );
    // The resource resolves on the server and streams into the same response.
    let expected = format!(
        "SQLite · reachable · {} migration",
        migration_count("sqlite")
    );
    assert!(html.contains(&expected), "{html}");
    // The page loads its client code.
    assert!(
        html.contains(r#"<link rel="modulepreload" href="/pkg/reposync"#),
        "{html}"
    );
}

#[tokio::test]
async fn server_status_function_answers_with_json() {
    let app = spawn_app().await;
    let response = app.post("/rpc/server_status").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"], "Sqlite");
    assert_eq!(body["database_reachable"], true);
    assert_eq!(body["migrations_applied"], migration_count("sqlite"));
}

#[tokio::test]
async fn unknown_paths_render_the_404_page_with_status_404() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
}
