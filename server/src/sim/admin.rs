//! The simulator's admin API under `/_sim/`: create users and repositories, rename, transfer,
//! archive, change visibility, delete, grant and revoke access, seed, inject faults, read the
//! counters, and choose where webhooks go. Every repository change is delivered as the
//! configured forge's real, signed webhook before the admin call answers, so a test or a demo
//! that changes the forge sees the delivery's effect deterministically.
//!
//! It has no authentication: the simulator is a test and demo tool, listening on loopback.

use std::{collections::BTreeMap, sync::OnceLock, time::Duration};

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, patch, post, put},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;

use super::{
    deliver::{render, SimEvent, WebhookTarget},
    Faults, Role, SimState,
};
use crate::forge::ForgeKind;

pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/_sim/users", post(add_user))
        .route("/_sim/repos", post(create_repo))
        .route("/_sim/repos/{id}", patch(update_repo).delete(delete_repo))
        .route("/_sim/repos/{id}/access/{login}", put(grant).delete(revoke))
        .route("/_sim/seed", post(seed))
        .route("/_sim/faults", put(set_faults))
        .route("/_sim/counters", get(counters))
        .route("/_sim/webhook", put(set_webhook).delete(clear_webhook))
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "message": message.into() }))).into_response()
}

/// Delivers `events` to the configured target, one after another.
async fn deliver(state: &SimState, events: Vec<SimEvent>) {
    let Some(target) = state.webhook() else {
        return;
    };
    if state.faults().hold_webhooks {
        return;
    }
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a default client builds")
    });
    for event in events {
        let delivery = format!("sim-{}", state.next_delivery());
        let Some(rendered) = render(&target, &event, &delivery) else {
            continue;
        };
        let mut request = client.post(&target.url).body(rendered.body);
        for (name, value) in rendered.headers {
            request = request.header(name, value);
        }
        let delivered =
            matches!(request.send().await, Ok(response) if response.status().is_success());
        state.count(|c| {
            if delivered {
                c.deliveries += 1
            } else {
                c.failed_deliveries += 1
            }
        });
    }
}

#[derive(Deserialize)]
struct NewUser {
    login: String,
}

async fn add_user(State(state): State<SimState>, Json(new): Json<NewUser>) -> Response {
    if new.login.trim().is_empty()
        || state
            .world_read()
            .users
            .iter()
            .any(|u| u.login == new.login)
    {
        return refuse(StatusCode::CONFLICT, "that login is empty or taken");
    }
    let token = state.world().add_user(&new.login);
    (
        StatusCode::CREATED,
        Json(json!({ "login": new.login, "token": token })),
    )
        .into_response()
}

#[derive(Deserialize)]
struct NewRepo {
    owner: String,
    name: String,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    access: BTreeMap<String, Role>,
}

async fn create_repo(State(state): State<SimState>, Json(new): Json<NewRepo>) -> Response {
    if new.owner.is_empty() || new.name.is_empty() || new.name.contains('/') {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "owner and name are required; a name has no '/'",
        );
    }
    let created = {
        let mut world = state.world();
        if world
            .repos
            .values()
            .any(|r| r.owner == new.owner && r.name == new.name)
        {
            return refuse(StatusCode::CONFLICT, "a repository with that name exists");
        }
        let access: Vec<(&str, Role)> = new
            .access
            .iter()
            .map(|(login, role)| (login.as_str(), *role))
            .collect();
        let id = world.add_repo(&new.owner, &new.name, new.private, &access);
        world.repos[&id].clone()
    };
    let id = created.id;
    deliver(&state, vec![SimEvent::Created(created)]).await;
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

#[derive(Deserialize)]
struct RepoPatch {
    name: Option<String>,
    owner: Option<String>,
    archived: Option<bool>,
    private: Option<bool>,
}

async fn update_repo(
    State(state): State<SimState>,
    Path(id): Path<u64>,
    Json(change): Json<RepoPatch>,
) -> Response {
    let events = {
        let mut world = state.world();
        let Some(repo) = world.repos.get_mut(&id) else {
            return refuse(StatusCode::NOT_FOUND, "no such repository");
        };
        let mut events = Vec::new();
        if let Some(name) = change.name.filter(|n| *n != repo.name) {
            if name.is_empty() || name.contains('/') {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "a name is not empty and has no '/'",
                );
            }
            let from_name = std::mem::replace(&mut repo.name, name);
            events.push(SimEvent::Renamed {
                repo: repo.clone(),
                from_name,
            });
        }
        if let Some(owner) = change.owner.filter(|o| *o != repo.owner) {
            if owner.is_empty() {
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, "an owner is not empty");
            }
            let from_owner = std::mem::replace(&mut repo.owner, owner);
            events.push(SimEvent::Transferred {
                repo: repo.clone(),
                from_owner,
            });
        }
        if let Some(archived) = change.archived.filter(|a| *a != repo.archived) {
            repo.archived = archived;
            events.push(SimEvent::Archived {
                repo: repo.clone(),
                archived,
            });
        }
        if let Some(private) = change.private.filter(|p| *p != repo.private) {
            repo.private = private;
            events.push(SimEvent::Visibility { repo: repo.clone() });
        }
        events
    };
    let changed = events.len();
    deliver(&state, events).await;
    Json(json!({ "id": id, "changes": changed })).into_response()
}

async fn delete_repo(State(state): State<SimState>, Path(id): Path<u64>) -> Response {
    let Some(removed) = state.world().repos.remove(&id) else {
        return refuse(StatusCode::NOT_FOUND, "no such repository");
    };
    deliver(&state, vec![SimEvent::Deleted(removed)]).await;
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Grant {
    role: Role,
}

async fn grant(
    State(state): State<SimState>,
    Path((id, login)): Path<(u64, String)>,
    Json(grant): Json<Grant>,
) -> Response {
    let mut world = state.world();
    match world.repos.get_mut(&id) {
        Some(repo) => {
            repo.access.insert(login, grant.role);
            StatusCode::NO_CONTENT.into_response()
        }
        None => refuse(StatusCode::NOT_FOUND, "no such repository"),
    }
}

async fn revoke(State(state): State<SimState>, Path((id, login)): Path<(u64, String)>) -> Response {
    let mut world = state.world();
    match world.repos.get_mut(&id) {
        Some(repo) => {
            repo.access.remove(&login);
            StatusCode::NO_CONTENT.into_response()
        }
        None => refuse(StatusCode::NOT_FOUND, "no such repository"),
    }
}

#[derive(Deserialize)]
struct Seed {
    login: String,
    repos: usize,
    #[serde(default = "four")]
    orgs: usize,
}

fn four() -> usize {
    4
}

async fn seed(State(state): State<SimState>, Json(seed): Json<Seed>) -> Response {
    if seed.repos > 100_000 || seed.orgs == 0 {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "seed 0 to 100,000 repositories across at least one organisation",
        );
    }
    state.world().seed(&seed.login, seed.orgs, seed.repos);
    StatusCode::NO_CONTENT.into_response()
}

/// Faults as JSON: every field optional, absent ones off.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    latency_ms: Option<u64>,
    fail_page: Option<u32>,
    fail_next: Option<u32>,
    empty_listing: Option<bool>,
    hang_page: Option<u32>,
    malformed_page: Option<u32>,
    endless_next: Option<bool>,
    rate_limit: Option<u32>,
    rate_reset_after_s: Option<u64>,
    proxy_429_next: Option<u32>,
    proxy_retry_after_s: Option<u64>,
    forbid_next: Option<u32>,
    hold_webhooks: Option<bool>,
    revoke_tokens_of: Option<String>,
}

async fn set_faults(State(state): State<SimState>, Json(body): Json<FaultsBody>) -> Response {
    if let Some(login) = &body.revoke_tokens_of {
        state.world().revoke_tokens(login);
    }
    *state.faults() = Faults {
        latency: Duration::from_millis(body.latency_ms.unwrap_or(0).min(60_000)),
        fail_page: body.fail_page,
        fail_next: body.fail_next.unwrap_or(0),
        empty_listing: body.empty_listing.unwrap_or(false),
        hang_page: body.hang_page,
        malformed_page: body.malformed_page,
        endless_next: body.endless_next.unwrap_or(false),
        rate_limit: body.rate_limit,
        rate_reset_after: Duration::from_secs(body.rate_reset_after_s.unwrap_or(60)),
        proxy_429_next: body.proxy_429_next.unwrap_or(0),
        proxy_retry_after_s: body.proxy_retry_after_s.unwrap_or(1),
        forbid_next: body.forbid_next.unwrap_or(0),
        hold_webhooks: body.hold_webhooks.unwrap_or(false),
    };
    StatusCode::NO_CONTENT.into_response()
}

async fn counters(State(state): State<SimState>) -> Response {
    let c = state.counters();
    Json(json!({
        "requests": c.requests, "list_pages": c.list_pages, "not_modified": c.not_modified,
        "deliveries": c.deliveries, "failed_deliveries": c.failed_deliveries,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct Target {
    url: String,
    secret: String,
    forge: String,
}

async fn set_webhook(State(state): State<SimState>, Json(target): Json<Target>) -> Response {
    let forge: ForgeKind = match target.forge.parse() {
        Ok(forge) => forge,
        Err(message) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    if url::Url::parse(&target.url)
        .map(|u| !matches!(u.scheme(), "http" | "https"))
        .unwrap_or(true)
    {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "url must be an http(s) URL",
        );
    }
    state.set_webhook(Some(WebhookTarget {
        url: target.url,
        secret: target.secret,
        forge,
    }));
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_webhook(State(state): State<SimState>) -> Response {
    state.set_webhook(None);
    StatusCode::NO_CONTENT.into_response()
}
