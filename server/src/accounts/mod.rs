//! Accounts: who may use Reposync and how they prove it — users, personal API tokens and browser
//! sessions. The REST API, the pages, the login routes and the CLI all go through [`Accounts`],
//! so an account is created, signed in or given a token the same way everywhere.

pub mod bootstrap;
pub mod secret;
pub mod signin;

use std::time::Duration;

use crate::{
    forge::{oauth::TokenSet, ForgeUser},
    store::{
        credentials::ApiToken,
        secrets::Secrets,
        users::{Login, NewUser, User},
        Database, StoreError,
    },
};
use bootstrap::UserSpec;

/// The longest label a token may carry.
pub const MAX_LABEL: usize = 100;

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a user named {0} exists already")]
    Exists(String),
    #[error("`{0}` is not a valid login: use letters, digits, `-`, `_` and `.`")]
    InvalidLogin(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What creating an account by hand (admin API, CLI) takes.
#[derive(Clone, Debug, Default)]
pub struct NewAccount {
    pub login: String,
    pub email: String,
    pub avatar: String,
    pub admin: bool,
    pub machine: bool,
    /// A forge token to sync with, in the clear (sealed here).
    pub forge_token: Option<String>,
}

/// Users, tokens and sessions.
#[derive(Clone, Debug)]
pub struct Accounts {
    db: Database,
    secrets: Secrets,
    session_ttl: Duration,
}

impl Accounts {
    pub fn new(db: Database, secrets: Secrets, session_ttl: Duration) -> Self {
        Accounts {
            db,
            secrets,
            session_ttl,
        }
    }

    pub fn session_ttl(&self) -> Duration {
        self.session_ttl
    }

    /// Creates an account; a machine account gets its first API token, returned once.
    pub async fn create(&self, new: &NewAccount) -> Result<(User, Option<String>), AccountError> {
        let user = self.insert(new).await?;
        let token = if new.machine {
            Some(self.issue_token(user.user_id, "machine account").await?.0)
        } else {
            None
        };
        Ok((user, token))
    }

    /// Checks and stores a new account, issuing nothing.
    async fn insert(&self, new: &NewAccount) -> Result<User, AccountError> {
        if !bootstrap::valid_login(&new.login) {
            return Err(AccountError::InvalidLogin(new.login.clone()));
        }
        if self.db.user_by_login(&new.login).await?.is_some() {
            return Err(AccountError::Exists(new.login.clone()));
        }
        Ok(self
            .db
            .create_user(&NewUser {
                login: new.login.clone(),
                email: new.email.clone(),
                avatar: new.avatar.clone(),
                admin: new.admin,
                machine: new.machine,
                token: new.forge_token.as_deref().map(|t| self.secrets.seal(t)),
                ..NewUser::default()
            })
            .await?)
    }

    /// Applies `REPOSYNC_USER_CREATE`: creates the user unless they exist, and registers the
    /// spec's token unless it is registered. Restarting with the same spec changes nothing.
    pub async fn bootstrap(&self, spec: &UserSpec) -> Result<User, AccountError> {
        let user = match self.db.user_by_login(&spec.login).await? {
            Some(user) => user,
            None => {
                // The spec's token, not a generated one, is a bootstrapped machine's token.
                let user = self
                    .insert(&NewAccount {
                        login: spec.login.clone(),
                        email: spec.email.clone(),
                        admin: spec.admin,
                        machine: spec.machine,
                        ..NewAccount::default()
                    })
                    .await?;
                tracing::info!(login = %user.user_login, admin = spec.admin, "created the REPOSYNC_USER_CREATE user");
                user
            }
        };
        if let Some(token) = &spec.token {
            let hash = secret::digest(token);
            if self.db.user_by_token_hash(&hash).await?.is_none() {
                self.db
                    .add_api_token(
                        user.user_id,
                        &hash,
                        &secret::shown_prefix(token),
                        "REPOSYNC_USER_CREATE",
                    )
                    .await?;
            }
        }
        Ok(user)
    }

    /// A token label as given, trimmed, if it is acceptable: at most [`MAX_LABEL`] printable
    /// characters.
    pub fn valid_label(label: &str) -> Option<&str> {
        let label = label.trim();
        (label.chars().count() <= MAX_LABEL && !label.chars().any(char::is_control))
            .then_some(label)
    }

    /// A new personal API token for `user_id`: the token (shown once) and its record.
    pub async fn issue_token(
        &self,
        user_id: i64,
        label: &str,
    ) -> Result<(String, ApiToken), StoreError> {
        let token = secret::generate(secret::TOKEN_PREFIX);
        let record = self
            .db
            .add_api_token(
                user_id,
                &secret::digest(&token),
                &secret::shown_prefix(&token),
                label,
            )
            .await?;
        Ok((token, record))
    }

    /// The active user a presented API token belongs to.
    pub async fn user_for_token(&self, token: &str) -> Result<Option<User>, StoreError> {
        let Some(user_id) = self.db.user_by_token_hash(&secret::digest(token)).await? else {
            return Ok(None);
        };
        self.active_user(user_id).await
    }

    /// Starts a browser session for `user_id`; the session id goes into the cookie.
    pub async fn start_session(&self, user_id: i64) -> Result<String, StoreError> {
        let session = secret::generate(secret::SESSION_PREFIX);
        let expires = crate::store::now_s() + self.session_ttl.as_secs() as i64;
        self.db
            .add_session(user_id, &secret::digest(&session), expires)
            .await?;
        Ok(session)
    }

    /// The active user of a live session.
    pub async fn user_for_session(&self, session: &str) -> Result<Option<User>, StoreError> {
        let Some(user_id) = self
            .db
            .user_by_session_hash(&secret::digest(session))
            .await?
        else {
            return Ok(None);
        };
        self.active_user(user_id).await
    }

    pub async fn end_session(&self, session: &str) -> Result<(), StoreError> {
        self.db.end_session(&secret::digest(session)).await
    }

    async fn active_user(&self, user_id: i64) -> Result<Option<User>, StoreError> {
        Ok(self.db.user_by_id(user_id).await?.filter(|u| u.user_active))
    }

    /// Records a sign-in at the forge: finds the account by forge id (then by login, for users
    /// created by hand before their first sign-in), or creates it, and stores the new tokens.
    /// `None` when the account exists but is deactivated.
    pub async fn sign_in(
        &self,
        profile: &ForgeUser,
        tokens: &TokenSet,
    ) -> Result<Option<User>, AccountError> {
        let existing = match self.db.user_by_forge_uid(&profile.uid).await? {
            Some(user) => Some(user),
            None => self
                .db
                .user_by_login(&profile.login)
                .await?
                .filter(|u| u.user_forge_uid.is_empty() || u.user_forge_uid == profile.uid),
        };
        let user = match existing {
            Some(user) => user,
            None => {
                if !bootstrap::valid_login(&profile.login) {
                    return Err(AccountError::InvalidLogin(profile.login.clone()));
                }
                let user = self
                    .db
                    .create_user(&NewUser {
                        login: profile.login.clone(),
                        forge_uid: profile.uid.clone(),
                        ..NewUser::default()
                    })
                    .await?;
                tracing::info!(login = %user.user_login, "created an account at first sign-in");
                user
            }
        };
        if !user.user_active {
            return Ok(None);
        }
        let login = Login {
            login: profile.login.clone(),
            forge_uid: profile.uid.clone(),
            email: profile.email.clone(),
            avatar: profile.avatar.clone(),
            token: self.secrets.seal(&tokens.access),
            refresh: tokens.refresh.as_deref().map(|r| self.secrets.seal(r)),
            expiry: tokens.expires_at.unwrap_or(0),
        };
        Ok(Some(self.db.record_login(user.user_id, &login).await?))
    }
}
