//! The simulator's OAuth provider, at every forge's paths: `GET …/authorize` approves at once
//! (as the user named by the `login` query parameter, a simulator extension, or the first user)
//! and redirects back with a code; the token endpoint exchanges codes and refresh tokens. Like
//! GitHub, refusals are `200 OK` with an `error` field (the clients also handle RFC 6749's 400s).

use std::collections::HashMap;

use axum::{
    extract::{Form, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use base64::Engine as _;
use serde_json::json;

use super::{SimState, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET};

/// Each forge's authorize and token paths (GitHub and Gitea/Forgejo share theirs), all served by
/// the same provider.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/login/oauth/authorize", get(authorize))
        .route("/login/oauth/access_token", post(access_token))
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/token", post(access_token))
        .route("/site/oauth2/authorize", get(authorize))
        .route("/site/oauth2/access_token", post(access_token))
        .route("/rest/oauth2/latest/authorize", get(authorize))
        .route("/rest/oauth2/latest/token", post(access_token))
}

async fn authorize(
    State(state): State<SimState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if query.get("client_id").map(String::as_str) != Some(OAUTH_CLIENT_ID) {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    let Some(redirect) = query.get("redirect_uri").filter(|r| r.starts_with("http")) else {
        return (StatusCode::BAD_REQUEST, "redirect_uri is required").into_response();
    };
    let mut world = state.world();
    let login = match query.get("login") {
        Some(login) if world.users.iter().any(|u| &u.login == login) => login.clone(),
        Some(_) => return (StatusCode::BAD_REQUEST, "no such login").into_response(),
        None => match world.users.first() {
            Some(user) => user.login.clone(),
            None => return (StatusCode::BAD_REQUEST, "the simulator has no users").into_response(),
        },
    };
    if query.contains_key("code_challenge")
        && query.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return (
            StatusCode::BAD_REQUEST,
            "only the S256 PKCE method is supported",
        )
            .into_response();
    }
    let code = world.issue_code(
        &login,
        redirect,
        query.get("code_challenge").map(String::as_str),
    );
    let mut target = url::Url::parse(redirect).expect("checked to be a URL above");
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = query.get("state") {
        target.query_pairs_mut().append_pair("state", state);
    }
    // GitHub answers 302 Found.
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

fn refusal(error: &str, description: &str) -> Response {
    Json(json!({ "error": error, "error_description": description })).into_response()
}

/// Client credentials from HTTP Basic or from the form, as GitHub accepts both.
fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Option<(String, String)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(i, s)| (urldecode(i), urldecode(s)))
        });
    basic.or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    })
}

fn urldecode(raw: &str) -> String {
    url::form_urlencoded::parse(format!("x={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn access_token(
    State(state): State<SimState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if client_credentials(&headers, &form)
        != Some((OAUTH_CLIENT_ID.into(), OAUTH_CLIENT_SECRET.into()))
    {
        return refusal(
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
        );
    }
    let mut world = state.world();
    let tokens = match form
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or("authorization_code")
    {
        "authorization_code" => {
            let code = form.get("code").map(String::as_str).unwrap_or_default();
            match world.redeem_code(
                code,
                form.get("redirect_uri").map(String::as_str),
                form.get("code_verifier").map(String::as_str),
            ) {
                Some(login) => world.issue_tokens(&login),
                None => {
                    return refusal(
                        "bad_verification_code",
                        "The code passed is incorrect or expired.",
                    )
                }
            }
        }
        "refresh_token" => match world.refresh(
            form.get("refresh_token")
                .map(String::as_str)
                .unwrap_or_default(),
        ) {
            Some(tokens) => tokens,
            None => {
                return refusal(
                    "bad_refresh_token",
                    "The refresh token passed is incorrect or expired.",
                )
            }
        },
        _ => {
            return refusal(
                "unsupported_grant_type",
                "Only authorization_code and refresh_token are supported.",
            )
        }
    };
    let mut body = json!({
        "access_token": tokens.0,
        "token_type": "bearer",
        "scope": "repo,read:org,user:email",
        "refresh_token": tokens.1,
    });
    if let Some(lifetime) = world.token_lifetime {
        body["expires_in"] = json!(lifetime.as_secs());
    }
    Json(body).into_response()
}
