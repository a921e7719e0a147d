//! The simulator's Bitbucket Cloud API (`/2.0`): workspaces (every owner of a repository the
//! user reaches), each workspace's repositories, and the bulk permissions endpoint, all as JSON
//! pages with `values`, `page`, `pagelen` (10 by default, 100 at most), `size` and a `next` URL.
//! The retired cross-workspace listing answers 410 Gone, as Bitbucket does since CHANGE-2770.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::{json, Value};

use super::{PageFault, Refusal, Role, SimRepo, SimState};

pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/2.0/user", get(user))
        .route("/2.0/user/workspaces", get(workspaces))
        .route("/2.0/repositories", get(gone))
        .route("/2.0/repositories/{workspace}", get(repositories))
        .route(
            "/2.0/user/workspaces/{workspace}/permissions/repositories",
            get(permissions),
        )
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "type": "error", "error": { "message": message } })),
    )
        .into_response()
}

async fn admit(state: &SimState, headers: &HeaderMap) -> Result<String, Response> {
    match super::admit(state, headers).await {
        Ok((login, _)) => Ok(login),
        Err(Refusal::Unauthorized) => Err(error(
            StatusCode::UNAUTHORIZED,
            "Access token expired or invalid.",
        )),
        Err(Refusal::ServerError) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
        )),
    }
}

async fn gone() -> Response {
    error(
        StatusCode::GONE,
        "This API is no longer supported. See CHANGE-2770.",
    )
}

async fn user(State(state): State<SimState>, headers: HeaderMap) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let world = state.world_read();
    let user = world
        .users
        .iter()
        .find(|u| u.login == login)
        .expect("admitted users exist");
    Json(json!({
        "uuid": format!("{{user-{}}}", user.id), "username": user.login, "nickname": user.login,
        "display_name": user.login, "links": { "avatar": { "href": "https://bitbucket.example.test/avatar.png" } },
    }))
    .into_response()
}

/// One page of `items`, with the `next` URL built from the request.
fn page_of(
    items: Vec<Value>,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    path: &str,
    endless: bool,
) -> (u32, Value) {
    let number = |name: &str| query.get(name).and_then(|v| v.parse::<usize>().ok());
    let pagelen = number("pagelen").unwrap_or(10).clamp(1, 100);
    let page = number("page").filter(|p| *p >= 1).unwrap_or(1);
    let size = items.len();
    let values: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * pagelen)
        .take(pagelen)
        .collect();
    let mut body = json!({ "pagelen": pagelen, "page": page, "size": size, "values": values });
    if endless || page * pagelen < size {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1");
        body["next"] = json!(format!(
            "http://{host}{path}?pagelen={pagelen}&page={}",
            page + 1
        ));
    }
    (page as u32, body)
}

fn visible(state: &SimState, login: &str) -> Vec<(SimRepo, Role)> {
    if state.faults().empty_listing {
        return Vec::new();
    }
    state
        .world()
        .visible_to(login)
        .into_iter()
        .map(|(r, role)| (r.clone(), role))
        .collect()
}

async fn workspaces(
    State(state): State<SimState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let mut slugs: Vec<String> = visible(&state, &login)
        .into_iter()
        .map(|(r, _)| r.owner)
        .collect();
    slugs.sort();
    slugs.dedup();
    let items = slugs
        .iter()
        .map(|slug| json!({ "type": "workspace_access", "administrator": false, "workspace": { "slug": slug, "uuid": format!("{{ws-{slug}}}") } }))
        .collect();
    Json(page_of(items, &query, &headers, "/2.0/user/workspaces", false).1).into_response()
}

async fn repositories(
    State(state): State<SimState>,
    headers: HeaderMap,
    Path(workspace): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let items = visible(&state, &login)
        .iter()
        .filter(|(r, _)| r.owner == workspace)
        .map(|(r, _)| repo_json(r))
        .collect();
    let endless = state.faults().endless_next;
    let (page, body) = page_of(
        items,
        &query,
        &headers,
        &format!("/2.0/repositories/{workspace}"),
        endless,
    );
    match super::page_fault(&state, page).await {
        Some(PageFault::ServerError) => {
            error(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
        }
        Some(PageFault::Malformed) => (StatusCode::OK, "{\"values\": [").into_response(),
        None => Json(body).into_response(),
    }
}

async fn permissions(
    State(state): State<SimState>,
    headers: HeaderMap,
    Path(workspace): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let items = visible(&state, &login)
        .iter()
        .filter(|(r, _)| r.owner == workspace)
        .map(|(r, role)| {
            let permission = match role {
                Role::Admin => "admin",
                Role::Write | Role::Maintain => "write",
                Role::Read | Role::Triage => "read",
            };
            json!({ "type": "repository_permission", "permission": permission,
                    "repository": { "uuid": uuid(r), "full_name": r.full_name() } })
        })
        .collect();
    let path = format!("/2.0/user/workspaces/{workspace}/permissions/repositories");
    Json(page_of(items, &query, &headers, &path, false).1).into_response()
}

fn uuid(repo: &SimRepo) -> String {
    format!("{{repo-{}}}", repo.id)
}

fn repo_json(repo: &SimRepo) -> Value {
    let full_name = repo.full_name();
    json!({
        "type": "repository",
        "uuid": uuid(repo),
        "slug": repo.name,
        "name": repo.name,
        "full_name": full_name,
        "is_private": repo.private,
        "mainbranch": { "type": "branch", "name": repo.default_branch },
        "workspace": { "slug": repo.owner },
        "links": {
            "html": { "href": format!("https://bitbucket.example.test/{full_name}") },
            "clone": [
                { "name": "https", "href": format!("https://someone@bitbucket.example.test/{full_name}.git") },
                { "name": "ssh", "href": format!("git@bitbucket.example.test:{full_name}.git") },
            ],
        },
    })
}
