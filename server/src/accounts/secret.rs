//! Bearer secrets — API tokens and session ids — and their stored digests.
//!
//! A secret is 32 random bytes, base64url, behind a short prefix that says what it is (and lets
//! secret scanners recognise a leaked Reposync token). Only its SHA-256 digest is stored; the
//! secret's entropy makes a slow password hash unnecessary.

use base64::Engine as _;
use chacha20poly1305::aead::{rand_core::RngCore, OsRng};
use sha2::{Digest, Sha256};

/// What personal API tokens start with.
pub const TOKEN_PREFIX: &str = "rs_";
/// What session ids start with.
pub const SESSION_PREFIX: &str = "rss_";
/// How many leading characters of a token its listing shows.
pub const SHOWN_PREFIX_LEN: usize = 8;

/// A new random secret with `prefix`.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored digest of `secret` (hex SHA-256).
pub fn digest(secret: &str) -> String {
    digest_bytes(secret.as_bytes())
}

/// Hex SHA-256 of arbitrary bytes (a webhook body without a delivery id).
pub fn digest_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The part of a token safe to show again.
pub fn shown_prefix(secret: &str) -> String {
    secret.chars().take(SHOWN_PREFIX_LEN).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_digested() {
        let a = generate(TOKEN_PREFIX);
        let b = generate(TOKEN_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("rs_") && a.len() == 3 + 43, "{a}");
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
        assert_eq!(digest(&a).len(), 64);
        assert_eq!(shown_prefix(&a).len(), SHOWN_PREFIX_LEN);
    }
}
