//! `GET /login` (start, and the forge's callback — Drone's path), `POST /login` (Gogs' username
//! and password), and `GET /logout`. A successful sign-in starts a session: an HttpOnly,
//! SameSite=Lax cookie, Secure when the server URL is https.

use std::collections::HashMap;

use axum::{
    extract::{Form, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::{
    auth::{session_cookie, SESSION_COOKIE},
    AppState,
};
use crate::{accounts::signin::SignInError, store::users::User};

/// The pending-login cookie (sealed `state` and PKCE verifier), scoped to `/login`.
const PENDING_COOKIE: &str = "reposync_login";

fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    path: &'static str,
    max_age_s: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.services.site.secure_cookies())
        .max_age(time::Duration::seconds(max_age_s))
        .build()
}

/// A small page for what cannot be shown by the app: a failed sign-in, the Gogs form.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><title>{title} · Reposync</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}\
         label,input,button{{display:block;width:100%;margin:.25rem 0;font:inherit}}\
         input{{padding:.5rem;box-sizing:border-box}}button{{padding:.5rem;margin-top:1rem}}</style></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    (status, Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn failure(error: &SignInError) -> Response {
    let status = match error {
        SignInError::Forge(_) => StatusCode::BAD_GATEWAY,
        SignInError::Account(_) => StatusCode::INTERNAL_SERVER_ERROR,
        SignInError::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
        SignInError::WrongPassword => StatusCode::UNAUTHORIZED,
        SignInError::Deactivated => StatusCode::FORBIDDEN,
        SignInError::BadState | SignInError::Denied(_) => StatusCode::BAD_REQUEST,
    };
    tracing::info!(%error, "sign-in failed");
    page(
        status,
        "Sign-in failed",
        &format!(
            "<p>{}</p><p><a href=\"/login\">Try again</a></p>",
            escape(&error.to_string())
        ),
    )
}

/// Starts a session for `user` and sends the browser to the dashboard — syncing in the
/// background if the list is missing or stale, so it fills in while the page watches.
async fn signed_in(state: &AppState, jar: CookieJar, user: &User) -> Response {
    state.services.engine.freshen_in_background(user);
    let session = match state.services.accounts.start_session(user.user_id).await {
        Ok(session) => session,
        Err(error) => return failure(&SignInError::Account(error.into())),
    };
    let ttl = state.services.accounts.session_ttl().as_secs() as i64;
    let jar = jar
        .remove(Cookie::build(PENDING_COOKIE).path("/login"))
        .add(cookie(state, SESSION_COOKIE, session, "/", ttl));
    (jar, Redirect::to("/")).into_response()
}

/// Starts a sign-in, or completes one when the forge calls back with `code` and `state`.
pub async fn get_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signin = &state.services.signin;
    // The callback goes to the configured URL; start there too, or the pending cookie would be
    // set for one host name and missing on the other (localhost vs 127.0.0.1).
    let site = &state.services.site;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let expected = site
        .server_url
        .host_str()
        .map(|h| match site.server_url.port() {
            Some(port) => format!("{h}:{port}"),
            None => h.to_string(),
        });
    if let (Some(host), Some(expected)) = (host, expected) {
        if !host.eq_ignore_ascii_case(&expected) && !query.contains_key("code") {
            let target = site
                .server_url
                .join("login")
                .map(|u| u.to_string())
                .unwrap_or_else(|_| "/login".into());
            return Redirect::to(&target).into_response();
        }
    }
    if let Some(error) = query.get("error") {
        let detail = query.get("error_description").unwrap_or(error);
        return failure(&SignInError::Denied(detail.clone()));
    }
    if let (Some(code), Some(returned_state)) = (query.get("code"), query.get("state")) {
        let pending = jar.get(PENDING_COOKIE).map(|c| c.value().to_string());
        return match signin
            .finish(pending.as_deref(), returned_state, code)
            .await
        {
            Ok(user) => signed_in(&state, jar, &user).await,
            Err(error) => failure(&error),
        };
    }
    if signin.uses_password() {
        let name = signin.forge_name();
        return page(
            StatusCode::OK,
            &format!("Sign in with {name}"),
            &format!(
                "<form method=\"post\" action=\"/login\">\
                 <label for=\"username\">{name} username</label>\
                 <input id=\"username\" name=\"username\" autocomplete=\"username\" required>\
                 <label for=\"password\">Password</label>\
                 <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
                 <button type=\"submit\">Sign in</button></form>\
                 <p>Reposync creates a <code>reposync</code> access token in your {name} account; \
                 your password is not stored.</p>"
            ),
        );
    }
    match signin.start() {
        Ok(started) => {
            let jar = jar.add(cookie(
                &state,
                PENDING_COOKIE,
                started.cookie,
                "/login",
                600,
            ));
            (jar, Redirect::to(&started.redirect)).into_response()
        }
        Err(error) => failure(&error),
    }
}

/// Gogs: the username and password form.
pub async fn post_login(
    State(state): State<AppState>,
    jar: CookieJar,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    if !state.services.signin.uses_password() {
        return page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Sign-in failed",
            "<p>This forge signs in with OAuth: <a href=\"/login\">sign in</a>.</p>",
        );
    }
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    let (Some(username), Some(password)) = (
        fields
            .get("username")
            .map(|u| u.trim())
            .filter(|u| !u.is_empty()),
        fields.get("password").filter(|p| !p.is_empty()),
    ) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "<p>Both the username and the password are required.</p><p><a href=\"/login\">Try again</a></p>",
        );
    };
    match state
        .services
        .signin
        .with_password(username, password)
        .await
    {
        Ok(user) => signed_in(&state, jar, &user).await,
        Err(error) => failure(&error),
    }
}

/// Ends the session.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Response {
    if let Some(session) = session_cookie(&headers) {
        if let Err(error) = state.services.accounts.end_session(&session).await {
            tracing::warn!(%error, "could not end a session");
        }
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    (jar, Redirect::to("/")).into_response()
}
