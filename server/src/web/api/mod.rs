//! The Drone-compatible REST API under `/api/`: the caller, their repositories and syncs, their
//! API tokens, and (for administrators) users. Handlers authenticate with [`super::auth`], call
//! the accounts service or the sync engine, and answer JSON; failures are [`ApiError`]s.

pub mod json;
pub mod openapi;
pub mod user;
pub mod users;

use std::collections::HashMap;

use axum::{
    extract::{rejection::QueryRejection, Query},
    routing::{any, delete, get},
    Router,
};

use super::{error::ApiError, AppState};

/// The API's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/user", get(user::me))
        .route(
            "/api/user/repos",
            get(user::list_repos).post(user::sync_repos),
        )
        .route("/api/user/syncs", get(user::syncs))
        .route("/api/user/token", axum::routing::post(user::create_token))
        .route(
            "/api/user/tokens",
            get(user::tokens).post(user::create_token),
        )
        .route("/api/user/tokens/{id}", delete(user::revoke_token))
        .route("/api/repos/{owner}/{name}", get(user::repo))
        .route("/api/users", get(users::list).post(users::create))
        .route(
            "/api/users/{login}",
            get(users::show).patch(users::update).delete(users::remove),
        )
        .route("/api/openapi.json", get(openapi::document))
        // Unknown API paths get a JSON 404, not the app's HTML one.
        .route("/api/{*rest}", any(|| async { ApiError::not_found() }))
}

/// A request's query parameters; a malformed query string is a 400.
pub type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

/// Reads the boolean query parameter `name`: absent is `false`; `true`/`1`, `false`/`0`, or bare
/// (`?flush`) for true; anything else is a 400 that names the parameter.
pub fn flag(params: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match params.get(name).map(String::as_str) {
        None => Ok(false),
        Some("" | "true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(other) => Err(ApiError::bad_request(format!(
            "`{name}` must be true or false, not `{}`",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

/// The parsed query, or a 400.
pub fn params(params: Params) -> Result<HashMap<String, String>, ApiError> {
    params
        .map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_strict() {
        let p = |v: &str| HashMap::from([("flush".to_string(), v.to_string())]);
        assert!(flag(&p("true"), "flush").unwrap());
        assert!(flag(&p("1"), "flush").unwrap());
        assert!(flag(&p(""), "flush").unwrap());
        assert!(!flag(&p("false"), "flush").unwrap());
        assert!(!flag(&HashMap::new(), "flush").unwrap());
        let error = flag(&p("maybe"), "flush").unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(error.message.contains("flush"));
    }
}
