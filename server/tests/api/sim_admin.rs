//! The simulator's admin API and its webhook deliveries: every forge's real, signed payloads,
//! checked by the same verification and parsing the server uses.

use std::sync::{Arc, Mutex};

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use serde_json::{json, Value};
use server::{
    forge::{
        webhook::{receive, Parsed, RepoEvent},
        ForgeKind,
    },
    sim::Simulator,
};

const SECRET: &str = "hook-secret";

type Received = Arc<Mutex<Vec<RepoEvent>>>;

/// A webhook receiver for `forge`: verifies and parses each delivery, 400 if refused.
async fn receiver(forge: ForgeKind) -> (String, Received) {
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State((forge, received)): State<(ForgeKind, Received)>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    match receive(forge, &headers, &body, SECRET) {
                        Ok(Parsed::Events { events, .. }) => {
                            received.lock().unwrap().extend(events);
                            StatusCode::OK
                        }
                        Ok(Parsed::Ignored { .. }) => StatusCode::OK,
                        Err(_) => StatusCode::BAD_REQUEST,
                    }
                },
            ),
        )
        .with_state((forge, received.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

async fn call(method: reqwest::Method, url: String, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .request(method, url)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Makes the same five changes through the admin API and returns what the receiver parsed.
async fn changes_as_seen_by(forge: ForgeKind) -> (Vec<RepoEvent>, Value) {
    let sim = Simulator::start().await.unwrap();
    let (hook, received) = receiver(forge).await;
    let base = sim.url();
    let response = call(
        reqwest::Method::PUT,
        format!("{base}/_sim/webhook"),
        json!({ "url": hook, "secret": SECRET, "forge": forge.as_str() }),
    )
    .await;
    assert_eq!(
        response.status(),
        204,
        "{}",
        response.text().await.unwrap_or_default()
    );
    assert_eq!(
        call(
            reqwest::Method::POST,
            format!("{base}/_sim/users"),
            json!({ "login": "ada" })
        )
        .await
        .status(),
        201
    );
    let created: Value = call(
        reqwest::Method::POST,
        format!("{base}/_sim/repos"),
        json!({ "owner": "team", "name": "app", "private": true, "access": { "ada": "admin" } }),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = created["id"].as_u64().unwrap();
    let repo = format!("{base}/_sim/repos/{id}");
    call(
        reqwest::Method::PATCH,
        repo.clone(),
        json!({ "name": "service" }),
    )
    .await;
    call(
        reqwest::Method::PATCH,
        repo.clone(),
        json!({ "owner": "platform" }),
    )
    .await;
    call(
        reqwest::Method::PATCH,
        repo.clone(),
        json!({ "archived": true }),
    )
    .await;
    assert_eq!(
        reqwest::Client::new()
            .delete(&repo)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let counters: Value = reqwest::get(format!("{base}/_sim/counters"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = received.lock().unwrap().clone();
    (events, counters)
}

fn kinds(events: &[RepoEvent]) -> Vec<&'static str> {
    events
        .iter()
        .map(|e| match e {
            RepoEvent::Created { .. } => "created",
            RepoEvent::Deleted { .. } => "deleted",
            RepoEvent::Renamed { .. } => "renamed",
            RepoEvent::Transferred { .. } => "transferred",
            RepoEvent::Archived { .. } => "archived",
            RepoEvent::VisibilityChanged { .. } => "visibility",
            RepoEvent::AccessRemoved { .. } => "access_removed",
        })
        .collect()
}

#[tokio::test]
async fn every_forge_delivers_its_own_signed_events() {
    let expected: [(ForgeKind, &[&str]); 6] = [
        (
            ForgeKind::Github,
            &["created", "renamed", "transferred", "archived", "deleted"],
        ),
        (ForgeKind::Gitea, &["created", "deleted"]),
        (ForgeKind::Forgejo, &["created", "deleted"]),
        (
            ForgeKind::Gitlab,
            &["created", "renamed", "transferred", "deleted"],
        ),
        (
            ForgeKind::Bitbucket,
            &["created", "renamed", "transferred", "deleted"],
        ),
        (ForgeKind::BitbucketDc, &["renamed", "transferred"]),
    ];
    for (forge, wanted) in expected {
        let (events, counters) = changes_as_seen_by(forge).await;
        assert_eq!(kinds(&events), wanted, "{forge:?}");
        assert_eq!(
            counters["failed_deliveries"], 0,
            "{forge:?}: every delivery verified"
        );
        // The events name the repository by id, and renames say where from.
        if let Some(RepoEvent::Renamed { repo, from }) = events
            .iter()
            .find(|e| matches!(e, RepoEvent::Renamed { .. }))
        {
            assert_eq!(
                repo.full_name.rsplit('/').next(),
                Some("service"),
                "{forge:?}"
            );
            assert_eq!(from.rsplit('/').next(), Some("app"), "{forge:?}");
        }
    }
}

#[tokio::test]
async fn gogs_sends_no_lifecycle_events() {
    let (events, counters) = changes_as_seen_by(ForgeKind::Gogs).await;
    assert!(events.is_empty());
    assert_eq!(counters["deliveries"], 0);
}

#[tokio::test]
async fn a_receiver_with_another_secret_refuses_every_delivery() {
    let sim = Simulator::start().await.unwrap();
    let (hook, received) = receiver(ForgeKind::Github).await;
    call(
        reqwest::Method::PUT,
        format!("{}/_sim/webhook", sim.url()),
        json!({ "url": hook, "secret": "not-the-receivers", "forge": "github" }),
    )
    .await;
    call(
        reqwest::Method::POST,
        format!("{}/_sim/repos", sim.url()),
        json!({ "owner": "o", "name": "r" }),
    )
    .await;
    let counters: Value = reqwest::get(format!("{}/_sim/counters", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["failed_deliveries"], 1);
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn bad_admin_requests_are_refused_and_change_nothing() {
    let sim = Simulator::start().await.unwrap();
    let base = sim.url();
    let bad_role = call(
        reqwest::Method::POST,
        format!("{base}/_sim/repos"),
        json!({ "owner": "o", "name": "r", "access": { "x": "overlord" } }),
    )
    .await;
    assert!(bad_role.status().is_client_error());
    let bad_name = call(
        reqwest::Method::POST,
        format!("{base}/_sim/repos"),
        json!({ "owner": "o", "name": "a/b" }),
    )
    .await;
    assert_eq!(bad_name.status(), 422);
    let bad_forge = call(
        reqwest::Method::PUT,
        format!("{base}/_sim/webhook"),
        json!({ "url": "http://x.test/", "secret": "s", "forge": "cvs" }),
    )
    .await;
    assert_eq!(bad_forge.status(), 422);
    let unknown_fault = call(
        reqwest::Method::PUT,
        format!("{base}/_sim/faults"),
        json!({ "explode": true }),
    )
    .await;
    assert!(unknown_fault.status().is_client_error());
    assert_eq!(
        call(
            reqwest::Method::PATCH,
            format!("{base}/_sim/repos/999"),
            json!({ "name": "x" })
        )
        .await
        .status(),
        404
    );
    assert!(sim.world().repos.is_empty());
}
