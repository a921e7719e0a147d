//! The simulator's GitHub API, in both github.com form (`/user/repos`) and GitHub Enterprise
//! form (`/api/v3/user/repos`): `Link` paging (100 per page at most, 30 by default), permissions
//! on every repository, `x-ratelimit-*` headers with 403 on exhaustion, and weak ETags with 304s
//! that cost nothing.

// Helpers return the refusal itself as the error: it is sent as is, once per request.
#![allow(clippy::result_large_err)]

use std::{
    collections::hash_map::DefaultHasher,
    hash::{Hash, Hasher},
    time::{Duration, SystemTime},
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

use super::{Role, SimState};

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

/// Authenticates and applies latency and injected failures: `Ok((login, token))` or the
/// refusal to send.
async fn admit(state: &SimState, headers: &HeaderMap) -> Result<(String, String), Response> {
    state.count(|c| c.requests += 1);
    let latency = state.faults().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    {
        let mut faults = state.faults();
        if faults.fail_next > 0 {
            faults.fail_next -= 1;
            return Err(error(StatusCode::INTERNAL_SERVER_ERROR, "Server Error"));
        }
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
        })
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let login = state.world().user_by_token(&token).map(|u| u.login.clone());
    match login {
        Some(login) => Ok((login, token)),
        None => Err(error(StatusCode::UNAUTHORIZED, "Bad credentials")),
    }
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
    let world = state.world();
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
    state.count(|c| c.list_pages += 1);
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

    let faults = state.faults().clone();
    if faults.hang_page == Some(page) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if faults.fail_page == Some(page) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "Server Error");
    }
    if faults.malformed_page == Some(page) {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "[{\"id\": 1, \"name\":",
        )
            .into_response();
    }

    let (items, total) = {
        let world = state.world();
        let visible = if faults.empty_listing {
            Vec::new()
        } else {
            world.visible_to(&login)
        };
        let total = visible.len() as u32;
        let start = ((page - 1) * per_page) as usize;
        let items: Vec<Value> = visible
            .iter()
            .skip(start)
            .take(per_page as usize)
            .map(|(r, role)| repo_json(r, *role))
            .collect();
        (items, total)
    };
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
    let last = total.div_ceil(per_page).max(1);
    let last = if faults.endless_next { page + 1 } else { last };
    if let Some(link) = link_header(&headers, page, per_page, last) {
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

/// GitHub's `Link`: next and last (when not on the last page), first and prev (when not on the
/// first), comma and space separated.
fn link_header(headers: &HeaderMap, page: u32, per_page: u32, last: u32) -> Option<String> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let url = |n: u32| format!("<http://{host}/user/repos?per_page={per_page}&page={n}>");
    let mut parts = Vec::new();
    if page < last {
        parts.push(format!("{}; rel=\"next\"", url(page + 1)));
        parts.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        parts.push(format!("{}; rel=\"first\"", url(1)));
        parts.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
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
