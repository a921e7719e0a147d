//! The simulator's GitHub API, in both github.com form (`/user/repos`) and GitHub Enterprise
//! form (`/api/v3/user/repos`): `Link` paging (100 per page at most, 30 by default), permissions
//! on every repository, `x-ratelimit-*` headers with 403 on exhaustion, and weak ETags with 304s
//! that cost nothing.

// Helpers return the refusal itself as the error: it is sent as is, once per request.
#![allow(clippy::result_large_err)]

use std::{
    collections::hash_map::DefaultHasher,
    hash::{Hash, Hasher},
    time::SystemTime,
};

use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{PageFault, Refusal, Role, SimState};

pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/user", get(user))
        .route("/user/repos", get(user_repos))
        .route("/api/v3/user", get(user))
        .route("/api/v3/user/repos", get(user_repos))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
    per_page: Option<String>,
}

fn epoch(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "message": message, "documentation_url": "https://docs.github.com/rest" })),
    )
        .into_response()
}

/// Admits a request or renders the refusal as GitHub does.
async fn admit(state: &SimState, headers: &HeaderMap) -> Result<(String, String), Response> {
    super::admit(state, headers)
        .await
        .map_err(|refusal| match refusal {
            Refusal::Unauthorized => error(StatusCode::UNAUTHORIZED, "Bad credentials"),
            Refusal::ServerError => error(StatusCode::INTERNAL_SERVER_ERROR, "Server Error"),
        })
}

/// The `x-ratelimit-*` headers after charging `token` one request (or none, for a 304), or the
/// 403 GitHub sends once the budget is spent.
fn rate_limit(state: &SimState, token: &str, charge: bool) -> Result<HeaderMap, Response> {
    match state.charge(token, charge) {
        Ok((limit, remaining, reset)) => {
            let mut rate = HeaderMap::new();
            rate.insert("x-ratelimit-limit", limit.into());
            rate.insert("x-ratelimit-remaining", remaining.into());
            rate.insert("x-ratelimit-reset", epoch(reset).into());
            rate.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
            Ok(rate)
        }
        Err(reset) => {
            let mut response = error(StatusCode::FORBIDDEN, "API rate limit exceeded");
            let h = response.headers_mut();
            h.insert("x-ratelimit-remaining", 0u32.into());
            h.insert("x-ratelimit-reset", epoch(reset).into());
            Err(response)
        }
    }
}

async fn user(State(state): State<SimState>, headers: HeaderMap) -> Response {
    let (login, token) = match admit(&state, &headers).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    let rate = match rate_limit(&state, &token, true) {
        Ok(rate) => rate,
        Err(refusal) => return refusal,
    };
    let world = state.world_read();
    let user = world
        .users
        .iter()
        .find(|u| u.login == login)
        .expect("admitted users exist");
    let body = json!({
        "login": user.login, "id": user.id, "type": "User", "email": user.email,
        "avatar_url": format!("https://avatars.example.test/u/{}", user.id),
    });
    (rate, Json(body)).into_response()
}

async fn user_repos(
    State(state): State<SimState>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let (login, token) = match admit(&state, &headers).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    // GitHub ignores malformed paging values and falls back to its defaults.
    let page: u32 = query
        .page
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let per_page: u32 = query
        .per_page
        .and_then(|p| p.parse().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    match super::page_fault(&state, page).await {
        Some(PageFault::ServerError) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "Server Error")
        }
        Some(PageFault::Malformed) => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "[{\"id\": 1, \"name\":",
            )
                .into_response()
        }
        None => {}
    }
    let (visible, _total, last) = super::visible_page(&state, &login, page, per_page);
    let items: Vec<Value> = visible
        .iter()
        .map(|(r, role)| repo_json(r, *role))
        .collect();
    let body = serde_json::to_vec(&items).expect("JSON values serialise");
    let etag = {
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        format!("W/\"{:016x}\"", hasher.finish())
    };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str());
    // An authorised 304 is free on GitHub; anything else costs one request.
    let mut response_headers = match rate_limit(&state, &token, !matches) {
        Ok(rate) => rate,
        Err(refusal) => return refusal,
    };
    response_headers.insert(header::ETAG, etag.parse().expect("hex is a valid header"));
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}/user/repos?per_page={per_page}");
    if let Some(link) = super::numbered_links(&base, page, last, ", ") {
        response_headers.insert(header::LINK, link.parse().expect("URLs are valid headers"));
    }
    if matches {
        state.count(|c| c.not_modified += 1);
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    (StatusCode::OK, response_headers, body).into_response()
}

fn repo_json(repo: &super::SimRepo, role: Role) -> Value {
    let full_name = repo.full_name();
    json!({
        "id": repo.id,
        "node_id": format!("R_{}", repo.id),
        "name": repo.name,
        "full_name": full_name,
        "owner": { "login": repo.owner, "type": "Organization" },
        "private": repo.private,
        "visibility": if repo.private { "private" } else { "public" },
        "html_url": format!("https://github.example.test/{full_name}"),
        "clone_url": format!("https://github.example.test/{full_name}.git"),
        "ssh_url": format!("git@github.example.test:{full_name}.git"),
        "default_branch": repo.default_branch,
        "archived": repo.archived,
        "permissions": {
            "admin": role >= Role::Admin,
            "maintain": role >= Role::Maintain,
            "push": role >= Role::Write,
            "triage": role >= Role::Triage,
            "pull": true,
        },
    })
}
