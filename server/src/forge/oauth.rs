//! OAuth 2 with a forge (authorization code with `state`, PKCE where the forge supports it,
//! token refresh), through the `oauth2` crate.
//!
//! Refresh outcomes matter to the engine: a refused refresh means "this user must log in again"
//! ([`ForgeError::Unauthorized`]), while a network failure only fails this sync. GitHub answers
//! token errors with `200 OK` and an `error` field instead of a 4xx; those count as refusals too.

use oauth2::{
    basic::BasicClient, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, TokenResponse, TokenUrl,
};

use super::ForgeError;

/// Where a forge's OAuth endpoints are and what it supports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthEndpoints {
    pub authorize: String,
    pub token: String,
    pub scopes: Vec<String>,
    pub pkce: bool,
}

/// Tokens from an exchange or a refresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSet {
    pub access: String,
    pub refresh: Option<String>,
    /// When the access token expires (unix seconds), if it does.
    pub expires_at: Option<i64>,
}

/// A login in progress: where to send the browser, and what to check when it comes back.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest {
    pub url: String,
    pub state: String,
    pub pkce_verifier: Option<String>,
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// An OAuth client for one forge and one registered application.
pub struct OAuthClient {
    client: Client,
    http: reqwest::Client,
    endpoints: OAuthEndpoints,
}

impl OAuthClient {
    /// A client for `endpoints`, registered as `client_id` with its redirect (callback) URL.
    pub fn new(
        endpoints: OAuthEndpoints,
        client_id: &str,
        client_secret: &str,
        redirect: &str,
    ) -> Result<Self, String> {
        let client = BasicClient::new(ClientId::new(client_id.into()))
            .set_client_secret(ClientSecret::new(client_secret.into()))
            .set_auth_uri(
                AuthUrl::new(endpoints.authorize.clone())
                    .map_err(|e| format!("authorize URL: {e}"))?,
            )
            .set_token_uri(
                TokenUrl::new(endpoints.token.clone()).map_err(|e| format!("token URL: {e}"))?,
            )
            .set_redirect_uri(
                RedirectUrl::new(redirect.into()).map_err(|e| format!("redirect URL: {e}"))?,
            );
        // Following redirects from a token endpoint would open the server to SSRF.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(OAuthClient {
            client,
            http,
            endpoints,
        })
    }

    /// Starts a login.
    pub fn authorize(&self) -> AuthorizeRequest {
        let mut request = self.client.authorize_url(CsrfToken::new_random);
        for scope in &self.endpoints.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let mut verifier = None;
        if self.endpoints.pkce {
            let (challenge, pkce) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            verifier = Some(pkce.secret().clone());
        }
        let (url, state) = request.url();
        AuthorizeRequest {
            url: url.to_string(),
            state: state.secret().clone(),
            pkce_verifier: verifier,
        }
    }

    /// Trades the code the forge sent back for tokens.
    pub async fn exchange(
        &self,
        code: &str,
        pkce_verifier: Option<&str>,
    ) -> Result<TokenSet, ForgeError> {
        let mut request = self
            .client
            .exchange_code(AuthorizationCode::new(code.into()));
        if let Some(verifier) = pkce_verifier {
            request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.into()));
        }
        request
            .request_async(&self.http)
            .await
            .map(token_set)
            .map_err(classify)
    }

    /// Renews an access token with its refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, ForgeError> {
        let refresh = RefreshToken::new(refresh_token.into());
        self.client
            .exchange_refresh_token(&refresh)
            .request_async(&self.http)
            .await
            .map(token_set)
            .map_err(classify)
    }
}

fn token_set(token: oauth2::basic::BasicTokenResponse) -> TokenSet {
    // Saturating: an absurd `expires_in` from the forge must not overflow.
    let expires_at = token.expires_in().map(|d| {
        crate::store::now_s().saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    });
    TokenSet {
        access: token.access_token().secret().clone(),
        refresh: token.refresh_token().map(|r| r.secret().clone()),
        expires_at,
    }
}

fn classify<RE: std::error::Error + 'static>(
    error: RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
) -> ForgeError {
    match error {
        RequestTokenError::ServerResponse(_) => ForgeError::Unauthorized,
        // GitHub's way of refusing: 200 OK with {"error": …}.
        RequestTokenError::Parse(_, body)
            if serde_json::from_slice::<serde_json::Value>(&body)
                .is_ok_and(|v| v.get("error").is_some()) =>
        {
            ForgeError::Unauthorized
        }
        RequestTokenError::Parse(error, _) => {
            ForgeError::Malformed(format!("token response: {error}"))
        }
        RequestTokenError::Request(error) => {
            ForgeError::Transport(format!("token endpoint: {error}"))
        }
        RequestTokenError::Other(message) => ForgeError::Malformed(message),
    }
}
