//! `/api/users…`: administrators manage accounts, machine accounts included.

use axum::{
    extract::{rejection::JsonRejection, Path, State},
    http::StatusCode,
    Json,
};

use super::json::{CreateUserJson, CreatedUserJson, UpdateUserJson, UserJson};
use crate::{
    accounts::NewAccount,
    store::users::User,
    web::{auth::Admin, error::ApiError, AppState},
};

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(v)| v)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

async fn find(state: &AppState, login: &str) -> Result<User, ApiError> {
    state
        .db
        .user_by_login(login)
        .await?
        .ok_or_else(ApiError::not_found)
}

fn json_of(state: &AppState, user: &User) -> UserJson {
    UserJson::of(user, state.services.engine.is_syncing(user.user_id))
}

/// Every account.
#[utoipa::path(get, path = "/api/users", tag = "users",
    responses((status = 200, body = Vec<UserJson>), (status = 403, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<UserJson>>, ApiError> {
    let users = state.db.list_users().await?;
    Ok(Json(users.iter().map(|u| json_of(&state, u)).collect()))
}

/// Creates an account; a machine account's first API token is in the answer, once.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = CreateUserJson,
    responses((status = 200, body = CreatedUserJson), (status = 400, body = super::json::ErrorJson),
              (status = 403, body = super::json::ErrorJson), (status = 409, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    _: Admin,
    json: Result<Json<CreateUserJson>, JsonRejection>,
) -> Result<Json<CreatedUserJson>, ApiError> {
    let new = body(json)?;
    let (user, token) = state
        .services
        .accounts
        .create(&NewAccount {
            login: new.login,
            email: new.email,
            avatar: new.avatar_url,
            admin: new.admin,
            machine: new.machine,
            forge_token: None,
        })
        .await?;
    Ok(Json(CreatedUserJson {
        user: json_of(&state, &user),
        token,
    }))
}

/// One account.
#[utoipa::path(get, path = "/api/users/{login}", tag = "users", params(("login" = String, Path)),
    responses((status = 200, body = UserJson), (status = 404, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    Path(login): Path<String>,
) -> Result<Json<UserJson>, ApiError> {
    let user = find(&state, &login).await?;
    Ok(Json(json_of(&state, &user)))
}

/// Changes an account's `admin` or `active` flag.
#[utoipa::path(patch, path = "/api/users/{login}", tag = "users", params(("login" = String, Path)),
    request_body = UpdateUserJson,
    responses((status = 200, body = UserJson), (status = 400, body = super::json::ErrorJson),
              (status = 404, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(login): Path<String>,
    json: Result<Json<UpdateUserJson>, JsonRejection>,
) -> Result<Json<UserJson>, ApiError> {
    let change = body(json)?;
    let user = find(&state, &login).await?;
    if user.user_id == caller.user.user_id
        && (change.admin == Some(false) || change.active == Some(false))
    {
        return Err(ApiError::bad_request(
            "administrators cannot demote or deactivate themselves",
        ));
    }
    let updated = state
        .db
        .update_user_flags(user.user_id, change.admin, change.active)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(json_of(&state, &updated)))
}

/// Deletes an account with its permissions, tokens and sessions.
#[utoipa::path(delete, path = "/api/users/{login}", tag = "users", params(("login" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 400, body = super::json::ErrorJson),
              (status = 404, body = super::json::ErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(login): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = find(&state, &login).await?;
    if user.user_id == caller.user.user_id {
        return Err(ApiError::bad_request(
            "administrators cannot delete themselves",
        ));
    }
    state.db.delete_user(user.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
