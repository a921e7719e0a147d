//! Signing in through the forge: the OAuth 2 authorization-code flow with `state` and PKCE, or —
//! for Gogs, which has no OAuth provider — a username and password traded for a forge token.
//!
//! The flow keeps no server-side state between the redirect and the callback: what the callback
//! must check (`state`, the PKCE verifier, when it started) travels in a cookie sealed with the
//! server key, so a forged or replayed-late cookie fails to open or is too old.

use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{AccountError, Accounts};
use crate::{
    forge::{
        oauth::{OAuthClient, TokenSet},
        Forge, ForgeError,
    },
    store::{secrets::Secrets, users::User},
};

/// How long a user may take at the forge's consent screen.
const PENDING_TTL_S: i64 = 600;

/// Why a sign-in failed; each says what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(
        "sign-in is not configured: set REPOSYNC_OAUTH_CLIENT_ID and REPOSYNC_OAUTH_CLIENT_SECRET"
    )]
    NotConfigured,
    #[error("this sign-in attempt expired or did not start here; please sign in again")]
    BadState,
    #[error("the forge did not approve the sign-in: {0}")]
    Denied(String),
    #[error("wrong username or password")]
    WrongPassword,
    #[error("this account is deactivated; ask an administrator")]
    Deactivated,
    #[error(transparent)]
    Forge(ForgeError),
    #[error("cannot record the sign-in: {0}")]
    Account(#[from] AccountError),
}

/// What the callback must check, sealed into the pending-login cookie.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    verifier: Option<String>,
    started: i64,
}

/// A sign-in on its way to the forge.
pub struct Started {
    /// Where to send the browser.
    pub redirect: String,
    /// The pending-login cookie's value.
    pub cookie: String,
}

/// The sign-in flows of the configured forge.
pub struct SignIn {
    forge: Arc<dyn Forge>,
    oauth: Option<Arc<OAuthClient>>,
    secrets: Secrets,
    accounts: Accounts,
}

impl SignIn {
    pub fn new(
        forge: Arc<dyn Forge>,
        oauth: Option<Arc<OAuthClient>>,
        secrets: Secrets,
        accounts: Accounts,
    ) -> Self {
        SignIn {
            forge,
            oauth,
            secrets,
            accounts,
        }
    }

    /// Whether users sign in with a forge password (a form) rather than a redirect.
    pub fn uses_password(&self) -> bool {
        self.forge.signs_in_with_password()
    }

    /// The forge's name for the sign-in button.
    pub fn forge_name(&self) -> &'static str {
        self.forge.name()
    }

    /// Starts an OAuth sign-in.
    pub fn start(&self) -> Result<Started, SignInError> {
        let oauth = self.oauth.as_ref().ok_or(SignInError::NotConfigured)?;
        let request = oauth.authorize();
        let pending = Pending {
            state: request.state,
            verifier: request.pkce_verifier,
            started: crate::store::now_s(),
        };
        let json = serde_json::to_string(&pending).expect("a plain struct serialises");
        let cookie =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.secrets.seal(&json));
        Ok(Started {
            redirect: request.url,
            cookie,
        })
    }

    /// Completes an OAuth sign-in from the forge's callback.
    pub async fn finish(
        &self,
        cookie: Option<&str>,
        state: &str,
        code: &str,
    ) -> Result<User, SignInError> {
        let oauth = self.oauth.as_ref().ok_or(SignInError::NotConfigured)?;
        let pending = cookie
            .and_then(|c| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
            })
            .and_then(|sealed| self.secrets.open(&sealed).ok())
            .and_then(|json| serde_json::from_str::<Pending>(&json).ok())
            .ok_or(SignInError::BadState)?;
        let age = crate::store::now_s() - pending.started;
        let state_matches: bool =
            subtle::ConstantTimeEq::ct_eq(pending.state.as_bytes(), state.as_bytes()).into();
        if !state_matches || !(0..=PENDING_TTL_S).contains(&age) {
            return Err(SignInError::BadState);
        }
        let tokens = oauth
            .exchange(code, pending.verifier.as_deref())
            .await
            .map_err(|e| match e {
                ForgeError::Unauthorized => SignInError::Denied("the code was refused".into()),
                other => SignInError::Forge(other),
            })?;
        self.record(&tokens).await
    }

    /// Signs in with a forge username and password (Gogs).
    pub async fn with_password(&self, username: &str, password: &str) -> Result<User, SignInError> {
        let access = self
            .forge
            .password_login(username, password)
            .await
            .map_err(|e| match e {
                ForgeError::Unauthorized => SignInError::WrongPassword,
                other => SignInError::Forge(other),
            })?;
        let tokens = TokenSet {
            access,
            refresh: None,
            expires_at: None,
        };
        self.record(&tokens).await
    }

    async fn record(&self, tokens: &TokenSet) -> Result<User, SignInError> {
        let profile = self
            .forge
            .whoami(&tokens.access)
            .await
            .map_err(SignInError::Forge)?;
        let user = self.accounts.sign_in(&profile, tokens).await?;
        user.ok_or(SignInError::Deactivated)
    }
}
