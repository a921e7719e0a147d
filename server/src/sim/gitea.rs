//! The simulator's Gitea/Forgejo API (`/api/v1`): `limit` paging (30 by default, 50 at most),
//! `Link` entries joined by "," without a space, `X-Total-Count`, `{admin, push, pull}`
//! permissions, `Authorization: token …`, no ETags and no rate limits.

use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{PageFault, Refusal, Role, SimRepo, SimState};

pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/api/v1/user", get(user))
        .route("/api/v1/user/repos", get(user_repos))
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "message": message, "url": "https://gitea.example.test/api/swagger" })),
    )
        .into_response()
}

async fn admit(state: &SimState, headers: &HeaderMap) -> Result<String, Response> {
    match super::admit(state, headers).await {
        Ok((login, _)) => Ok(login),
        Err(Refusal::Unauthorized) => Err(error(StatusCode::UNAUTHORIZED, "user does not exist")),
        Err(Refusal::ServerError) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, "")),
    }
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
        "id": user.id, "login": user.login, "username": user.login, "full_name": "",
        "email": user.email, "avatar_url": format!("https://gitea.example.test/avatars/{}", user.id),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
    limit: Option<String>,
}

async fn user_repos(
    State(state): State<SimState>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let page: u32 = query
        .page
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let limit: u32 = query
        .limit
        .and_then(|l| l.parse().ok())
        .filter(|l| *l >= 1)
        .unwrap_or(30)
        .min(50);
    match super::page_fault(&state, page).await {
        Some(PageFault::ServerError) => return error(StatusCode::INTERNAL_SERVER_ERROR, ""),
        Some(PageFault::Malformed) => return (StatusCode::OK, "[{\"id\":").into_response(),
        None => {}
    }
    let (visible, total, last) = super::visible_page(&state, &login, page, limit);
    let items: Vec<Value> = visible
        .iter()
        .map(|(r, role)| repo_json(r, *role))
        .collect();
    let mut response_headers = HeaderMap::new();
    response_headers.insert("x-total-count", total.into());
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}/api/v1/user/repos?limit={limit}");
    if let Some(link) = super::numbered_links(&base, page, last, ",") {
        response_headers.insert(header::LINK, link.parse().expect("URLs are valid headers"));
    }
    response_headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("Link, X-Total-Count"),
    );
    (StatusCode::OK, response_headers, Json(items)).into_response()
}

fn repo_json(repo: &SimRepo, role: Role) -> Value {
    let full_name = repo.full_name();
    json!({
        "id": repo.id,
        "owner": { "id": 1, "login": repo.owner, "username": repo.owner },
        "name": repo.name,
        "full_name": full_name,
        "private": repo.private,
        "internal": false,
        "html_url": format!("https://gitea.example.test/{full_name}"),
        "clone_url": format!("https://gitea.example.test/{full_name}.git"),
        "ssh_url": format!("git@gitea.example.test:{full_name}.git"),
        "default_branch": repo.default_branch,
        "archived": repo.archived,
        "permissions": {
            "admin": role >= Role::Admin,
            "push": role >= Role::Write,
            "pull": true,
        },
    })
}
