//! `REPOSYNC_USER_CREATE`: a user (typically the first admin, or a bot) created at start, in
//! Drone's `DRONE_USER_CREATE` format: `login:octocat,admin:true,machine:false,token:<value>`.
//!
//! The spec is parsed strictly when the configuration is read, so a typo stops the server with
//! a message instead of creating the wrong account.

use std::{fmt, str::FromStr};

/// The shortest bootstrap token accepted: it is a bearer credential.
const MIN_TOKEN_LEN: usize = 16;

/// A parsed `REPOSYNC_USER_CREATE`.
#[derive(Clone, PartialEq, Eq)]
pub struct UserSpec {
    pub login: String,
    pub admin: bool,
    pub machine: bool,
    pub email: String,
    /// An API token to register for the user (stored hashed).
    pub token: Option<String>,
}

impl fmt::Debug for UserSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSpec")
            .field("login", &self.login)
            .field("admin", &self.admin)
            .field("machine", &self.machine)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

fn flag(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("`{key}` must be true or false, not `{other}`")),
    }
}

/// Whether `login` is a plausible forge login: what every forge allows, nothing that could be
/// mistaken for a path or markup.
pub fn valid_login(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= 255
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl FromStr for UserSpec {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let mut spec = UserSpec {
            login: String::new(),
            admin: false,
            machine: false,
            email: String::new(),
            token: None,
        };
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once(':').ok_or_else(|| {
                format!(
                    "`{}` is not key:value",
                    part.split(':').next().unwrap_or("")
                )
            })?;
            match key.trim() {
                "login" => spec.login = value.trim().to_string(),
                "admin" => spec.admin = flag(key, value.trim())?,
                "machine" => spec.machine = flag(key, value.trim())?,
                "email" => spec.email = value.trim().to_string(),
                "token" => {
                    let token = value.trim();
                    if token.len() < MIN_TOKEN_LEN {
                        return Err(format!(
                            "`token` must be at least {MIN_TOKEN_LEN} characters"
                        ));
                    }
                    spec.token = Some(token.to_string());
                }
                other => {
                    return Err(format!(
                        "unknown key `{other}`; use login, admin, machine, email, token"
                    ))
                }
            }
        }
        if !valid_login(&spec.login) {
            return Err("`login` is required: letters, digits, `-`, `_` and `.`".into());
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_drones_format() {
        let spec: UserSpec = "login:octocat,admin:true,machine:false,token:0123456789abcdef0123"
            .parse()
            .unwrap();
        assert_eq!(spec.login, "octocat");
        assert!(spec.admin && !spec.machine);
        assert_eq!(spec.token.as_deref(), Some("0123456789abcdef0123"));
        assert!(
            !format!("{spec:?}").contains("0123456789"),
            "the token is never printed"
        );
        let bot: UserSpec = "login:ci-bot,machine:true".parse().unwrap();
        assert!(bot.machine && !bot.admin && bot.token.is_none());
    }

    #[test]
    fn refuses_malformed_specs() {
        for bad in [
            "",
            "admin:true",
            "login:",
            "login:a b",
            "login:x,admin:yes",
            "login:x,role:admin",
            "login:x,token:short",
            "login",
            "login:../etc",
        ] {
            assert!(bad.parse::<UserSpec>().is_err(), "{bad:?} was accepted");
        }
    }
}
