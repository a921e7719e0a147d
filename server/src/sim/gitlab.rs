//! The simulator's GitLab API (`/api/v4`): projects in id order, `per_page` (20 by default, 100
//! at most) with `x-page`, `x-next-page` (empty on the last page) and, up to 10,000 projects,
//! `x-total`, `x-total-pages` and `rel="last"`; past that only keyset paging (`id_after` cursors)
//! announces what comes next. Access levels stand in `permissions.project_access`.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::{json, Value};

use super::{PageFault, Refusal, Role, SimRepo, SimState};

/// Past this many projects GitLab stops counting.
const COUNT_LIMIT: usize = 10_000;

pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/api/v4/user", get(user))
        .route("/api/v4/projects", get(projects))
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}

/// Admits a request, charging GitLab's per-minute budget: past it, 429 "Retry later" with
/// `Retry-After` and the `RateLimit-*` headers, as Rack::Attack answers.
async fn admit(state: &SimState, headers: &HeaderMap) -> Result<String, Response> {
    let (login, token) = match super::admit(state, headers).await {
        Ok(admitted) => admitted,
        Err(Refusal::Unauthorized) => {
            return Err(error(StatusCode::UNAUTHORIZED, "401 Unauthorized"))
        }
        Err(Refusal::ServerError) => {
            return Err(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500 Internal Server Error",
            ))
        }
    };
    if let Err(reset) = state.charge(&token, true) {
        let now = std::time::SystemTime::now();
        let wait = reset
            .duration_since(now)
            .unwrap_or_default()
            .as_secs()
            .max(1);
        let epoch = reset
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut response = (StatusCode::TOO_MANY_REQUESTS, "Retry later\n").into_response();
        let h = response.headers_mut();
        h.insert("retry-after", wait.into());
        h.insert(
            "ratelimit-name",
            axum::http::HeaderValue::from_static("throttle_authenticated_api"),
        );
        h.insert("ratelimit-remaining", 0u32.into());
        h.insert("ratelimit-reset", epoch.into());
        return Err(response);
    }
    Ok(login)
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
    Json(json!({ "id": user.id, "username": user.login, "email": user.email, "avatar_url": null }))
        .into_response()
}

fn level(role: Role) -> u8 {
    match role {
        Role::Read | Role::Triage => 20,
        Role::Write => 30,
        Role::Maintain => 40,
        Role::Admin => 50,
    }
}

async fn projects(
    State(state): State<SimState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let number = |name: &str| query.get(name).and_then(|v| v.parse::<u64>().ok());
    let per_page = number("per_page").unwrap_or(20).clamp(1, 100) as usize;
    let min_level = number("min_access_level").unwrap_or(0) as u8;
    let keyset = query.get("pagination").map(String::as_str) == Some("keyset");

    let (mut visible, endless): (Vec<(SimRepo, Role)>, bool) = {
        let empty = state.faults().empty_listing;
        let endless = state.faults().endless_next;
        let world = state.world_read();
        let visible = if empty {
            Vec::new()
        } else {
            world.visible_to(&login)
        };
        (
            visible
                .into_iter()
                .filter(|(_, role)| level(*role) >= min_level)
                .map(|(r, role)| (r.clone(), role))
                .collect(),
            endless,
        )
    };
    visible.sort_by_key(|(r, _)| r.id);
    let total = visible.len();
    let (start, page) = if keyset {
        let after = number("id_after").unwrap_or(0);
        let start = visible.partition_point(|(r, _)| r.id <= after);
        (start, (start / per_page) as u32 + 1)
    } else {
        let page = number("page").filter(|p| *p >= 1).unwrap_or(1) as usize;
        ((page - 1) * per_page, page as u32)
    };
    match super::page_fault(&state, page).await {
        Some(PageFault::ServerError) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500 Internal Server Error",
            )
        }
        Some(PageFault::Malformed) => return (StatusCode::OK, "[{\"id\":").into_response(),
        None => {}
    }
    let items: Vec<&(SimRepo, Role)> = visible.iter().skip(start).take(per_page).collect();
    let more = endless || start + items.len() < total;
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut response_headers = HeaderMap::new();
    if keyset {
        if let (true, Some((last, _))) = (more, items.last()) {
            let next = format!(
                "<http://{host}/api/v4/projects?membership=true&min_access_level={min_level}&pagination=keyset&order_by=id&sort=asc&per_page={per_page}&id_after={}>; rel=\"next\"",
                last.id
            );
            response_headers.insert(header::LINK, next.parse().expect("a URL is a valid header"));
        }
    } else {
        let counted = total <= COUNT_LIMIT;
        let last = if endless {
            page + 1
        } else {
            total.div_ceil(per_page).max(1) as u32
        };
        response_headers.insert("x-page", page.into());
        response_headers.insert("x-per-page", (per_page as u32).into());
        let next = if more {
            (page + 1).to_string()
        } else {
            String::new()
        };
        response_headers.insert("x-next-page", next.parse().expect("digits"));
        let prev = if page > 1 {
            (page - 1).to_string()
        } else {
            String::new()
        };
        response_headers.insert("x-prev-page", prev.parse().expect("digits"));
        let base = format!("http://{host}/api/v4/projects?membership=true&per_page={per_page}");
        let mut links = Vec::new();
        if more {
            links.push(format!("<{base}&page={}>; rel=\"next\"", page + 1));
        }
        if page > 1 {
            links.push(format!("<{base}&page={}>; rel=\"prev\"", page - 1));
        }
        links.push(format!("<{base}&page=1>; rel=\"first\""));
        if counted {
            response_headers.insert("x-total", (total as u32).into());
            response_headers.insert("x-total-pages", last.into());
            links.push(format!("<{base}&page={last}>; rel=\"last\""));
        }
        response_headers.insert(
            header::LINK,
            links.join(", ").parse().expect("URLs are valid headers"),
        );
    }
    let body: Vec<Value> = items
        .iter()
        .map(|(r, role)| project_json(r, *role))
        .collect();
    let body = serde_json::to_vec(&body).expect("JSON values serialise");
    // GitLab sends weak ETags; whether it answers 304 is undocumented. The simulator does, and
    // the client works either way.
    let etag = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        format!("W/\"{:016x}\"", hasher.finish())
    };
    response_headers.insert(header::ETAG, etag.parse().expect("hex is a valid header"));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        state.count(|c| c.not_modified += 1);
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    response_headers.insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    (StatusCode::OK, response_headers, body).into_response()
}

fn project_json(repo: &SimRepo, role: Role) -> Value {
    let full_name = repo.full_name();
    json!({
        "id": repo.id,
        "name": repo.name,
        "path": repo.name,
        "path_with_namespace": full_name,
        "namespace": { "full_path": repo.owner, "kind": "group" },
        "visibility": if repo.private { "private" } else { "public" },
        "default_branch": repo.default_branch,
        "archived": repo.archived,
        "http_url_to_repo": format!("https://gitlab.example.test/{full_name}.git"),
        "ssh_url_to_repo": format!("git@gitlab.example.test:{full_name}.git"),
        "web_url": format!("https://gitlab.example.test/{full_name}"),
        "permissions": { "project_access": { "access_level": level(role), "notification_level": 3 }, "group_access": null },
    })
}
