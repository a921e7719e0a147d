//! Organisation webhooks created through the forge API (GitHub's and Gitea's
//! `POST /orgs/{org}/hooks`): the simulator then delivers that forge's events to the hook's URL,
//! signed with its secret. Only an admin of one of the organisation's repositories may create one.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;

use super::{deliver::WebhookTarget, Refusal, Role, SimState};
use crate::forge::ForgeKind;

pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/orgs/{org}/hooks", post(github))
        .route("/api/v3/orgs/{org}/hooks", post(github))
        .route("/api/v1/orgs/{org}/hooks", post(gitea))
}

#[derive(Deserialize)]
struct HookConfig {
    url: String,
    #[serde(default)]
    secret: String,
}

#[derive(Deserialize)]
struct NewHook {
    config: HookConfig,
    #[serde(default)]
    events: Vec<String>,
    /// Gitea: `gitea` or `forgejo`.
    #[serde(rename = "type", default)]
    kind: String,
}

async fn github(
    state: State<SimState>,
    headers: HeaderMap,
    org: Path<String>,
    hook: Json<NewHook>,
) -> Response {
    create(state, headers, org, hook, ForgeKind::Github).await
}

async fn gitea(
    state: State<SimState>,
    headers: HeaderMap,
    org: Path<String>,
    hook: Json<NewHook>,
) -> Response {
    let kind = if hook.kind == "forgejo" {
        ForgeKind::Forgejo
    } else {
        ForgeKind::Gitea
    };
    create(state, headers, org, hook, kind).await
}

async fn create(
    State(state): State<SimState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Json(hook): Json<NewHook>,
    forge: ForgeKind,
) -> Response {
    let login = match super::admit(&state, &headers).await {
        Ok((login, _)) => login,
        Err(Refusal::Unauthorized) => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({ "message": "Bad credentials" })),
            )
                .into_response()
        }
        Err(Refusal::ServerError) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response()
        }
    };
    let owner = state
        .world_read()
        .repos
        .values()
        .any(|r| r.owner == org && r.access.get(&login) == Some(&Role::Admin));
    if !owner {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "message": "Not Found" })),
        )
            .into_response();
    }
    if !hook.events.iter().any(|e| e == "repository") || !hook.config.url.starts_with("http") {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "message": "Validation Failed" })),
        )
            .into_response();
    }
    state.set_webhook(Some(WebhookTarget {
        url: hook.config.url.clone(),
        secret: hook.config.secret,
        forge,
    }));
    let id = state.next_delivery();
    (StatusCode::CREATED, Json(json!({ "id": id, "active": true, "events": hook.events, "config": { "url": hook.config.url } }))).into_response()
}
