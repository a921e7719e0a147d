use crate::helpers::spawn_app;

#[tokio::test]
async fn the_dashboard_is_server_rendered() {
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
    // The page loads its client code.
    assert!(
        html.contains(r#"<link rel="modulepreload" href="/pkg/reposync"#),
        "{html}"
    );
}

#[tokio::test]
async fn unknown_paths_render_the_404_page_with_status_404() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn pages_are_chosen_by_path_with_or_without_a_trailing_slash() {
    let app = spawn_app().await;
    for path in ["/account", "/account/", "/account?x=1"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("<title>Account · Reposync</title>"),
            "{path}: {html}"
        );
    }
    let response = app.get("/accounts").await;
    assert_eq!(
        response.status(),
        404,
        "a path that only starts like a page's"
    );
}
