//! Who is calling: an API token (`Authorization: Bearer …` or `?access_token=…`) or the session
//! cookie — and the same-origin rule for cookie-authenticated requests that change state.
//!
//! A browser attaches the session cookie to requests any site makes, so a state-changing request
//! that relies on the cookie must prove it comes from our own pages: `Sec-Fetch-Site` (sent by
//! every current browser) or else `Origin` must name this server. Requests carrying a token are
//! exempt — another site cannot make a browser send one.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header, request::Parts, HeaderMap, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;

use super::{error::ApiError, AppState, Site};
use crate::store::users::User;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "reposync_session";

/// How the caller proved who they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    Token,
    Session,
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub credential: Credential,
}

/// An authenticated administrator.
#[derive(Clone, Debug)]
pub struct Admin(pub Caller);

/// The API token a request presents, if any: `Err` when the `Authorization` header is there but
/// is not a bearer token (never silently ignored in favour of the cookie).
fn presented_token(parts: &Parts) -> Result<Option<String>, ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ApiError::unauthorized())?;
        let (scheme, token) = value.split_once(' ').ok_or_else(ApiError::unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(ApiError::unauthorized());
        }
        return Ok(Some(token.trim().to_string()));
    }
    Ok(access_token_param(parts.uri.query()))
}

fn access_token_param(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
}

/// The session id in a request's cookies.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

/// The user a request's session cookie names (pages and server functions).
pub async fn session_user(state: &AppState, headers: &HeaderMap) -> Option<User> {
    let session = session_cookie(headers)?;
    match state.services.accounts.user_for_session(&session).await {
        Ok(user) => user,
        Err(error) => {
            tracing::warn!(%error, "could not check a session");
            None
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = presented_token(parts)? {
            let user = state.services.accounts.user_for_token(&token).await?;
            return user
                .map(|user| Caller {
                    user,
                    credential: Credential::Token,
                })
                .ok_or_else(ApiError::unauthorized);
        }
        session_user(state, &parts.headers)
            .await
            .map(|user| Caller {
                user,
                credential: Credential::Session,
            })
            .ok_or_else(ApiError::unauthorized)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if !caller.user.user_admin {
            return Err(ApiError::forbidden("only administrators may manage users"));
        }
        Ok(Admin(caller))
    }
}

/// Whether a request comes from this server's own pages.
pub fn is_same_origin(headers: &HeaderMap, site: &Site) -> bool {
    if let Some(fetch_site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // `none`: the user typed the URL or used a bookmark.
        return matches!(fetch_site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // A browser always sends one or the other on such a request; with neither, refuse.
        return false;
    };
    if origin == site.origin() {
        return true;
    }
    // The server's own host as the browser addressed it (e.g. localhost vs 127.0.0.1).
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| {
            origin == format!("http://{host}") || origin == format!("https://{host}")
        })
}

/// Refuses cross-site state-changing requests that would be authenticated by the cookie, and
/// cross-site password sign-ins (login CSRF), with 403.
pub async fn same_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        let headers = request.headers();
        let by_cookie = session_cookie(headers).is_some()
            && !headers.contains_key(header::AUTHORIZATION)
            && access_token_param(request.uri().query()).is_none();
        let signing_in = request.uri().path() == "/login";
        if (by_cookie || signing_in) && !is_same_origin(headers, &state.services.site) {
            tracing::info!(path = %request.uri().path(), "refused a cross-site request");
            return ApiError::forbidden("cross-site request refused").into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site {
            server_url: "https://ci.example.com/".parse().unwrap(),
            demo: false,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn same_origin_needs_fetch_metadata_or_a_matching_origin() {
        let site = site();
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &site
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &site
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            &site
        ));
        assert!(is_same_origin(
            &headers(&[("origin", "https://ci.example.com")]),
            &site
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example")]),
            &site
        ));
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://localhost:3000"),
                ("host", "localhost:3000")
            ]),
            &site
        ));
        assert!(!is_same_origin(&headers(&[]), &site), "neither header");
    }
}
