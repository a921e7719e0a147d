//! Demo mode: no forge configured, yet a visitor can sign in and sync the demo account.

use reqwest::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn without_a_forge_the_demo_account_signs_in_and_syncs() {
    let app = spawn_app().await;
    let session = app.sign_in("octocat").await;
    let token = app.token_for(&session).await;
    let repos: Vec<serde_json::Value> = app
        .bearer(Method::POST, "/api/user/repos", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        (24..=60).contains(&repos.len()),
        "a few dozen: {}",
        repos.len()
    );
    let namespaces: std::collections::BTreeSet<&str> = repos
        .iter()
        .map(|r| r["namespace"].as_str().unwrap())
        .collect();
    assert!(
        namespaces.len() >= 4,
        "several organisations: {namespaces:?}"
    );
    let archived = repos.iter().filter(|r| r["archived"] == true).count();
    assert_eq!(archived, 1);
    for (right, wanted) in [("admin", true), ("push", true)] {
        assert!(
            repos.iter().any(|r| r["permissions"][right] == wanted),
            "{right}"
        );
    }
    assert!(
        repos.iter().any(|r| r["permissions"]["push"] == false),
        "read-only ones too"
    );
    assert!(
        repos.iter().any(|r| r["private"] == true) && repos.iter().any(|r| r["private"] == false)
    );
    assert!(
        !repos.iter().any(|r| r["slug"] == "hubot/secret-plans"),
        "someone else's private repository stays hidden"
    );
}
