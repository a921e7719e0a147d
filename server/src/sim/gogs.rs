//! The simulator's Gogs API, mounted under `/gogs` (Gitea owns `/api/v1` at the root): one
//! unpaginated `/user/repos` of personal repositories, `/user/orgs`, `/orgs/{org}/repos` whose
//! permissions are all `true` as in real Gogs, and `/repos/{owner}/{repo}` with the exact ones.
//! An owner that is not a user login counts as an organisation.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::{json, Value};

use super::{PageFault, Refusal, Role, SimRepo, SimState};

pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/gogs/api/v1/user", get(user))
        .route("/gogs/api/v1/user/repos", get(user_repos))
        .route("/gogs/api/v1/user/orgs", get(user_orgs))
        .route("/gogs/api/v1/orgs/{org}/repos", get(org_repos))
        .route("/gogs/api/v1/repos/{owner}/{name}", get(repo))
        .route(
            "/gogs/api/v1/users/{username}/tokens",
            get(list_tokens).post(create_token),
        )
}

/// The basic-auth user of a token API request, who must be `username` (Gogs' rule).
fn basic_user(headers: &HeaderMap, username: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let encoded = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let (login, password) = String::from_utf8(decoded)
        .ok()?
        .split_once(':')
        .map(|(l, p)| (l.to_string(), p.to_string()))?;
    (login == username).then_some((login, password))
}

async fn list_tokens(
    State(state): State<SimState>,
    headers: HeaderMap,
    Path(username): Path<String>,
) -> Response {
    let Some((login, password)) = basic_user(&headers, &username) else {
        return (StatusCode::UNAUTHORIZED, "").into_response();
    };
    let mut world = state.world();
    let Some(user) = world.user_by_password(&login, &password) else {
        return (StatusCode::UNAUTHORIZED, "").into_response();
    };
    let body: Vec<Value> = user
        .named_tokens
        .iter()
        .map(|(name, sha1)| json!({ "name": name, "sha1": sha1 }))
        .collect();
    Json(body).into_response()
}

#[derive(serde::Deserialize)]
struct NewToken {
    name: String,
}

async fn create_token(
    State(state): State<SimState>,
    headers: HeaderMap,
    Path(username): Path<String>,
    Json(new): Json<NewToken>,
) -> Response {
    let Some((login, password)) = basic_user(&headers, &username) else {
        return (StatusCode::UNAUTHORIZED, "").into_response();
    };
    let mut world = state.world();
    let serial = world.users.len() + world.repos.len();
    let Some(user) = world.user_by_password(&login, &password) else {
        return (StatusCode::UNAUTHORIZED, "").into_response();
    };
    if user.named_tokens.iter().any(|(name, _)| *name == new.name) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "access token name has been used already",
        );
    }
    let sha1 = format!(
        "{:040x}",
        (user.id << 32) + user.tokens.len() as u64 * 7919 + serial as u64
    );
    user.tokens.push(sha1.clone());
    user.named_tokens.push((new.name.clone(), sha1.clone()));
    (
        StatusCode::CREATED,
        Json(json!({ "name": new.name, "sha1": sha1 })),
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}

async fn admit(state: &SimState, headers: &HeaderMap) -> Result<String, Response> {
    match super::admit(state, headers).await {
        Ok((login, _)) => Ok(login),
        Err(Refusal::Unauthorized) => Err((StatusCode::UNAUTHORIZED, "").into_response()),
        Err(Refusal::ServerError) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
        )),
    }
}

/// What `login` can reach, and which owners are users (the rest are organisations).
fn visible(state: &SimState, login: &str) -> (Vec<(SimRepo, Role)>, Vec<String>) {
    let empty = state.faults().empty_listing;
    let world = state.world_read();
    let users = world.users.iter().map(|u| u.login.clone()).collect();
    let repos = if empty {
        Vec::new()
    } else {
        world
            .visible_to(login)
            .into_iter()
            .map(|(r, role)| (r.clone(), role))
            .collect()
    };
    (repos, users)
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
    Json(json!({ "id": user.id, "username": user.login, "login": user.login, "email": user.email, "avatar_url": "" }))
        .into_response()
}

async fn user_repos(State(state): State<SimState>, headers: HeaderMap) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    match super::page_fault(&state, 1).await {
        Some(PageFault::ServerError) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
        Some(PageFault::Malformed) => return (StatusCode::OK, "[{").into_response(),
        None => {}
    }
    let (repos, users) = visible(&state, &login);
    let personal: Vec<Value> = repos
        .iter()
        .filter(|(r, _)| users.contains(&r.owner))
        .map(|(r, role)| repo_json(r, *role))
        .collect();
    Json(personal).into_response()
}

async fn user_orgs(State(state): State<SimState>, headers: HeaderMap) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let (repos, users) = visible(&state, &login);
    let mut orgs: Vec<String> = repos
        .iter()
        .map(|(r, _)| r.owner.clone())
        .filter(|o| !users.contains(o))
        .collect();
    orgs.sort();
    orgs.dedup();
    let body: Vec<Value> = orgs
        .iter()
        .enumerate()
        .map(|(i, o)| json!({ "id": i + 1, "username": o }))
        .collect();
    Json(body).into_response()
}

async fn org_repos(
    State(state): State<SimState>,
    headers: HeaderMap,
    Path(org): Path<String>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    let (repos, _) = visible(&state, &login);
    // Real Gogs reports full rights on every organisation repository here.
    let body: Vec<Value> = repos
        .iter()
        .filter(|(r, _)| r.owner == org)
        .map(|(r, _)| repo_json(r, Role::Admin))
        .collect();
    Json(body).into_response()
}

async fn repo(
    State(state): State<SimState>,
    headers: HeaderMap,
    Path((owner, name)): Path<(String, String)>,
) -> Response {
    let login = match admit(&state, &headers).await {
        Ok(login) => login,
        Err(refusal) => return refusal,
    };
    match state.reachable(&owner, &name, &login) {
        Some((r, role)) => Json(repo_json(&r, role)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn repo_json(repo: &SimRepo, role: Role) -> Value {
    let full_name = repo.full_name();
    json!({
        "id": repo.id,
        "owner": { "id": 1, "username": repo.owner, "login": repo.owner },
        "name": repo.name,
        "full_name": full_name,
        "private": repo.private,
        "html_url": format!("https://gogs.example.test/{full_name}"),
        "clone_url": format!("https://gogs.example.test/{full_name}.git"),
        "ssh_url": format!("git@gogs.example.test:{full_name}.git"),
        "default_branch": repo.default_branch,
        "permissions": { "admin": role >= Role::Admin, "push": role >= Role::Write, "pull": true },
    })
}
