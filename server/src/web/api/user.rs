//! `/api/user…` and `/api/repos/…`: the caller's account, repositories, syncs and tokens.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use headers::{ETag, HeaderMapExt, IfNoneMatch};

use super::{
    flag,
    json::{NewTokenJson, RepoJson, SyncJson, TokenJson, UserJson},
    params, Params,
};
use crate::{
    accounts::{Accounts, MAX_LABEL},
    sync::{Freshness, Trigger},
    web::{auth::Caller, error::ApiError, AppState},
};

/// How many runs `/api/user/syncs` returns.
const RECENT_SYNCS: i64 = 50;

/// The caller.
#[utoipa::path(get, path = "/api/user", tag = "user",
    responses((status = 200, body = UserJson), (status = 401, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Json<UserJson> {
    let syncing = state.services.engine.is_syncing(caller.user.user_id);
    Json(UserJson::of(&caller.user, syncing))
}

/// The caller's list as JSON with its `ETag`, or `304 Not Modified` when the request's
/// `If-None-Match` names it (an unreadable one names nothing). `Cache-Control: no-cache` lets a
/// client keep the list but makes it ask again each time.
async fn repo_list(
    state: &AppState,
    user_id: i64,
    request: &HeaderMap,
) -> Result<Response, ApiError> {
    let list = state.services.lists.of(&state.db, user_id).await?;
    let etag = list.etag(user_id);
    let headers = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "private, no-cache".to_owned()),
    ];
    let unchanged = match (request.typed_get::<IfNoneMatch>(), etag.parse::<ETag>()) {
        (Some(if_none_match), Ok(etag)) => !if_none_match.precondition_passes(&etag),
        _ => false,
    };
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let content_type = (header::CONTENT_TYPE, "application/json".to_owned());
    Ok((headers, [content_type], list.json()).into_response())
}

/// The caller's repositories. `flush=true` syncs first; a list never synced is synced before
/// answering, and a stale one (older than `REPOSYNC_SYNC_STALE_AFTER`) is answered at once and
/// re-synced in the background. `all=true` is accepted (every repository is always listed).
#[utoipa::path(get, path = "/api/user/repos", tag = "user",
    params(("flush" = Option<bool>, Query, description = "sync before answering"),
           ("all" = Option<bool>, Query, description = "accepted for Drone clients"),
           ("If-None-Match" = Option<String>, Header, description = "an ETag this endpoint answered")),
    responses((status = 200, body = Vec<RepoJson>, headers(("ETag" = String, description = "changes whenever the list does"))),
              (status = 304, description = "the list is still the one `If-None-Match` names"),
              (status = 400, body = super::json::ErrorJson),
              (status = 401, body = super::json::ErrorJson), (status = 409, body = super::json::ErrorJson),
              (status = 502, body = super::json::ErrorJson), (status = 503, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_repos(
    State(state): State<AppState>,
    query: Params,
    caller: Caller,
    request: HeaderMap,
) -> Result<Response, ApiError> {
    let query = params(query)?;
    let flush = flag(&query, "flush")?;
    flag(&query, "all")?;
    let engine = &state.services.engine;
    if flush {
        engine.sync(caller.user.user_id, Trigger::ApiFlush).await?;
    } else if let Freshness::Synced(result) = engine.freshen(&caller.user).await {
        result?;
    }
    repo_list(&state, caller.user.user_id, &request).await
}

/// Syncs the caller now and answers the updated list (Drone 1.x); `async=true` answers 204 at
/// once and syncs in the background. The same flags as the GET are accepted.
#[utoipa::path(post, path = "/api/user/repos", tag = "user",
    params(("async" = Option<bool>, Query, description = "answer 204 at once, sync in the background"),
           ("flush" = Option<bool>, Query), ("all" = Option<bool>, Query),
           ("If-None-Match" = Option<String>, Header, description = "an ETag this endpoint answered")),
    responses((status = 200, body = Vec<RepoJson>, headers(("ETag" = String, description = "changes whenever the list does"))),
              (status = 204, description = "sync started"),
              (status = 304, description = "after the sync, the list is still the one `If-None-Match` names"),
              (status = 400, body = super::json::ErrorJson), (status = 401, body = super::json::ErrorJson),
              (status = 409, body = super::json::ErrorJson), (status = 502, body = super::json::ErrorJson),
              (status = 503, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn sync_repos(
    State(state): State<AppState>,
    query: Params,
    caller: Caller,
    request: HeaderMap,
) -> Result<Response, ApiError> {
    let query = params(query)?;
    let background = flag(&query, "async")?;
    flag(&query, "flush")?;
    flag(&query, "all")?;
    let engine = &state.services.engine;
    let user_id = caller.user.user_id;
    if background {
        if caller.user.user_token.is_none() {
            return Err(crate::sync::SyncError::NoToken(caller.user.user_login).into());
        }
        engine.sync_in_background(user_id, Trigger::ApiAsync);
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    engine.sync(user_id, Trigger::ApiFlush).await?;
    repo_list(&state, user_id, &request).await
}

/// One repository, if the caller may pull it; otherwise 404, whether or not it exists.
#[utoipa::path(get, path = "/api/repos/{owner}/{name}", tag = "repos",
    params(("owner" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = RepoJson), (status = 404, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn repo(
    State(state): State<AppState>,
    Path((owner, name)): Path<(String, String)>,
    caller: Caller,
) -> Result<Json<RepoJson>, ApiError> {
    let full_name = format!("{owner}/{name}");
    match state.db.user_repo(caller.user.user_id, &full_name).await? {
        Some(row) if row.perm_pull => Ok(Json(RepoJson::of(&row))),
        _ => Err(ApiError::not_found()),
    }
}

/// The caller's most recent sync runs, newest first.
#[utoipa::path(get, path = "/api/user/syncs", tag = "user",
    responses((status = 200, body = Vec<SyncJson>), (status = 401, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn syncs(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SyncJson>>, ApiError> {
    let runs = state
        .db
        .runs_for_user(caller.user.user_id, RECENT_SYNCS)
        .await?;
    Ok(Json(runs.iter().map(SyncJson::of).collect()))
}

/// A new personal API token (`{"token": …}`), shown this once; `label=` names it.
#[utoipa::path(post, path = "/api/user/token", tag = "tokens",
    params(("label" = Option<String>, Query, description = "what the token is for")),
    responses((status = 200, body = NewTokenJson), (status = 400, body = super::json::ErrorJson),
              (status = 401, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    query: Params,
    caller: Caller,
) -> Result<Json<NewTokenJson>, ApiError> {
    let query = params(query)?;
    let label =
        Accounts::valid_label(query.get("label").map_or("", String::as_str)).ok_or_else(|| {
            ApiError::bad_request(format!(
                "`label` must be at most {MAX_LABEL} printable characters"
            ))
        })?;
    let (token, record) = state
        .services
        .accounts
        .issue_token(caller.user.user_id, label)
        .await?;
    Ok(Json(NewTokenJson {
        token,
        record: TokenJson::of(&record),
    }))
}

/// The caller's API tokens (without the tokens themselves).
#[utoipa::path(get, path = "/api/user/tokens", tag = "tokens",
    responses((status = 200, body = Vec<TokenJson>), (status = 401, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TokenJson>>, ApiError> {
    let tokens = state.db.api_tokens(caller.user.user_id).await?;
    Ok(Json(tokens.iter().map(TokenJson::of).collect()))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/user/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path)),
    responses((status = 204, description = "revoked"), (status = 404, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("the token id must be a number"))?;
    if state.db.revoke_api_token(caller.user.user_id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
