//! The simulator's Bitbucket Data Center API: `plugins/servlet/applinks/whoami` (plain text, and
//! `X-AUSERNAME` on every answer), `rest/api/1.0/users/{slug}`, `rest/api/1.0/repos` filtered by
//! `permission` with `start`/`limit` paging (25 by default, 1000 at most) answered as
//! `{size, limit, start, isLastPage, nextPageStart, values}`, and each repository's
//! `default-branch`. A repository's owner is its project key.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::{json, Value};

use super::{PageFault, Refusal, Role, SimRepo, SimState};

pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/plugins/servlet/applinks/whoami", get(whoami))
        .route("/rest/api/1.0/users/{slug}", get(user))
        .route("/rest/api/1.0/repos", get(repos))
        .route(
            "/rest/api/1.0/projects/{key}/repos/{slug}/default-branch",
            get(default_branch),
        )
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "errors": [{ "context": null, "message": message, "exceptionName": null }] })),
    )
        .into_response()
}

async fn admit(state: &SimState, headers: &HeaderMap) -> Result<String, Response> {
    match super::admit(state, headers).await {
        Ok((login, _)) => Ok(login),
        Err(Refusal::Unauthorized) => Err(error(
            StatusCode::UNAUTHORIZED,
            "Authentication failed. Please check your credentials and try again.",
        )),
        Err(Refusal::ServerError) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "An error occurred while processing the request.",
        )),
    }
}

fn with_user(login: &str, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    if let Ok(value) = HeaderValue::from_str(login) {
        response.headers_mut().insert("x-ausername", value);
    }
    response
}

async fn whoami(State(state): State<SimState>, headers: HeaderMap) -> Response {
    match admit(&state, &headers).await {
        Ok(login) => with_user(&login, login.clone()),
        Err(refusal) => refusal,
    }
}

async fn user(
    State(state): State<SimState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let world = state.world_read();
    match world.users.iter().find(|u| u.login == slug) {
        Some(u) => with_user(
            &login,
            Json(
                json!({ "name": u.login, "slug": u.login, "id": u.id, "emailAddress": u.email, "displayName": u.login, "active": true }),
            ),
        ),
        None => error(StatusCode::NOT_FOUND, "User does not exist"),
    }
}

fn needed(permission: &str) -> Role {
    match permission {
        "REPO_ADMIN" => Role::Admin,
        "REPO_WRITE" => Role::Write,
        _ => Role::Read,
    }
}

async fn repos(
    State(state): State<SimState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let number = |name: &str| query.get(name).and_then(|v| v.parse::<usize>().ok());
    let limit = number("limit").unwrap_or(25).clamp(1, 1000);
    let start = number("start").unwrap_or(0);
    let floor = needed(
        query
            .get("permission")
            .map(String::as_str)
            .unwrap_or("REPO_READ"),
    );
    match super::page_fault(&state, (start / limit) as u32 + 1).await {
        Some(PageFault::ServerError) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An error occurred while processing the request.",
            )
        }
        Some(PageFault::Malformed) => return (StatusCode::OK, "{\"values\":[").into_response(),
        None => {}
    }
    let (empty, endless) = {
        let f = state.faults();
        (f.empty_listing, f.endless_next)
    };
    let visible: Vec<(SimRepo, Role)> = if empty {
        Vec::new()
    } else {
        state
            .world()
            .visible_to(&login)
            .into_iter()
            .filter(|(_, role)| *role >= floor)
            .map(|(r, role)| (r.clone(), role))
            .collect()
    };
    let values: Vec<Value> = visible
        .iter()
        .skip(start)
        .take(limit)
        .map(|(r, _)| repo_json(r))
        .collect();
    let last = !endless && start + values.len() >= visible.len();
    let mut body = json!({ "size": values.len(), "limit": limit, "start": start, "isLastPage": last, "values": values });
    if !last {
        body["nextPageStart"] = json!(start + limit);
    }
    with_user(&login, Json(body))
}

async fn default_branch(
    State(state): State<SimState>,
    headers: HeaderMap,
    Path((key, slug)): Path<(String, String)>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let found = state
        .reachable(&key, &slug, &login)
        .map(|(r, _)| r.default_branch);
    match found {
        Some(branch) => with_user(
            &login,
            Json(
                json!({ "id": format!("refs/heads/{branch}"), "displayId": branch, "type": "BRANCH", "isDefault": true }),
            ),
        ),
        None => error(StatusCode::NOT_FOUND, "Repository does not exist"),
    }
}

fn repo_json(repo: &SimRepo) -> Value {
    let (key, slug) = (&repo.owner, &repo.name);
    json!({
        "slug": slug, "id": repo.id, "name": slug, "state": "AVAILABLE", "public": !repo.private, "archived": repo.archived,
        "project": { "key": key, "name": key, "type": "NORMAL" },
        "links": {
            "clone": [
                { "href": format!("https://bitbucket-dc.example.test/scm/{key}/{slug}.git"), "name": "http" },
                { "href": format!("ssh://git@bitbucket-dc.example.test:7999/{key}/{slug}.git"), "name": "ssh" },
            ],
            "self": [{ "href": format!("https://bitbucket-dc.example.test/projects/{key}/repos/{slug}/browse") }],
        },
    })
}
