//! The dashboard's server side: the server functions behind the page, the no-JavaScript form
//! path of the Synchronize button, and the live events an open page listens to.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use server::{config::ForgeKind, sim::Role, sim::Simulator};

use crate::helpers::{cookie_pair, spawn_forge_app, TestApp};

async fn scene() -> (Simulator, TestApp, String) {
    let sim = Simulator::start().await.unwrap();
    {
        let mut world = sim.world();
        world.add_user("octocat");
        world.add_repo("acme", "api", true, &[("octocat", Role::Admin)]);
        let old = world.add_repo("acme", "old", false, &[("octocat", Role::Read)]);
        world.repo_mut(old).archived = true;
    }
    let app = spawn_forge_app(&sim, ForgeKind::Github, None, |_| {}).await;
    let session = cookie_pair(&app.sign_in("octocat").await);
    // Signing in syncs a list never synced, in the background; let it finish.
    for _ in 0..200 {
        let user = app.db.user_by_login("octocat").await.unwrap().unwrap();
        if user.user_synced > 0 && !app.services.engine.is_syncing(user.user_id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (sim, app, session)
}

#[tokio::test]
async fn the_synchronize_form_works_without_javascript() {
    let (sim, app, session) = scene().await;
    sim.world()
        .add_repo("acme", "web", false, &[("octocat", Role::Write)]);
    // What a browser sends for a plain form POST from the dashboard.
    let response = app
        .client
        .post(format!("{}/rpc/synchronize", app.address))
        .header("cookie", &session)
        .header("sec-fetch-site", "same-origin")
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}/?q=acme", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        response.headers()["location"],
        format!("{}/?q=acme", app.address).as_str()
    );
    let user = app.db.user_by_login("octocat").await.unwrap().unwrap();
    assert_eq!(
        app.db.user_repos(user.user_id).await.unwrap().len(),
        3,
        "the sync ran"
    );
    let runs = app.db.runs_for_user(user.user_id, 1).await.unwrap();
    assert_eq!(runs[0].run_trigger, "manual");

    // The re-rendered page shows the new list, archived hidden unless asked for.
    let page = app
        .client
        .get(format!("{}/?q=acme", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("acme/web") && html.contains("acme/api"),
        "server-rendered rows"
    );
    assert!(!html.contains("acme/old"), "archived hidden");
    assert!(html.contains("Synced just now"), "the age reset");
    let archived = app
        .client
        .get(format!("{}/?archived=true", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert!(archived.text().await.unwrap().contains("acme/old"));

    // Signed out, the page offers the sign-in instead, and the server functions refuse.
    let anonymous = app.get("/").await.text().await.unwrap();
    assert!(anonymous.contains("Sign in with GitHub") && !anonymous.contains("acme/api"));
    let refused = app
        .client
        .post(format!("{}/rpc/repos", app.address))
        .header("origin", app.address.clone())
        .form(&[("query[text]", "")])
        .send()
        .await
        .unwrap();
    assert!(!refused.status().is_success());
}

#[tokio::test]
async fn an_open_page_hears_about_syncs_started_anywhere() {
    let (sim, app, session) = scene().await;
    let session_user = app.db.user_by_login("octocat").await.unwrap().unwrap();
    let token = app.token_for(&format!("{session}; Path=/")).await;
    let mut events = app
        .client
        .get(format!("{}/events", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert!(events.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    // A sync through the API, with latency so that progress is visible.
    sim.world()
        .add_repo("acme", "new", false, &[("octocat", Role::Write)]);
    let started = app
        .bearer(Method::POST, "/api/user/repos?async=true", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::NO_CONTENT);

    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains("data: finished") {
        let chunk = tokio::time::timeout_at(deadline, events.chunk())
            .await
            .expect("events in time")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let kinds: Vec<&str> = seen
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(kinds[..2], ["idle", "started"], "{seen}");
    assert!(kinds.contains(&"progress"), "{seen}");
    assert!(
        seen.contains("data: progress 1 1"),
        "pages done of the announced count: {seen}"
    );
    // What it changed is in the state the page then reads.
    let state = app
        .client
        .post(format!("{}/rpc/sync_state", app.address))
        .header("cookie", &session)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    let state: serde_json::Value = state.json().await.unwrap();
    assert_eq!(state["summary"]["added"], 1, "{state}");
    assert_eq!(state["syncing"], false);

    // Nothing is heard without a session.
    let other = app
        .client
        .get(format!("{}/events", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    let _ = session_user;
}
