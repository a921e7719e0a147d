//! Sealing forge tokens at rest with the server key (XChaCha20-Poly1305).
//!
//! The key comes from `REPOSYNC_SECRET` (any string of 32 or more characters, stretched with
//! SHA-256) or, when that is not set, from `secret.key` in the data directory, generated once
//! with mode 0600. A sealed value is a random 24-byte nonce followed by the ciphertext.

use std::{fs, io::Write, path::Path};

use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, OsRng},
    XChaCha20Poly1305, XNonce,
};
use sha2::{Digest, Sha256};

const KEY_FILE: &str = "secret.key";
const NONCE_LEN: usize = 24;

/// Why the key could not be had, or a value not opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("REPOSYNC_SECRET must be at least 32 characters")]
    TooShort,
    #[error("cannot read or create the key file {path}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("the key file {0} is not 64 hex digits")]
    BadKeyFile(String),
    #[error("a sealed token could not be opened: wrong server key, or corrupted")]
    Open,
}

/// The server key.
#[derive(Clone)]
pub struct Secrets {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(…)")
    }
}

impl Secrets {
    /// The key from `secret`, or from (or newly into) the data directory's key file.
    pub fn load(secret: Option<&str>, data_dir: &Path) -> Result<Self, SecretError> {
        let key: [u8; 32] = match secret {
            Some(secret) if secret.chars().count() < 32 => return Err(SecretError::TooShort),
            Some(secret) => Sha256::digest(secret.as_bytes()).into(),
            None => key_file(&data_dir.join(KEY_FILE))?,
        };
        Ok(Secrets {
            cipher: XChaCha20Poly1305::new(&key.into()),
        })
    }

    /// A key for tests and the simulator's demo: random, never stored.
    pub fn ephemeral() -> Self {
        Secrets {
            cipher: XChaCha20Poly1305::new(&XChaCha20Poly1305::generate_key(&mut OsRng)),
        }
    }

    pub fn seal(&self, plain: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut sealed = nonce.to_vec();
        sealed.extend(
            self.cipher
                .encrypt(&nonce, plain.as_bytes())
                .expect("encrypting in memory cannot fail"),
        );
        sealed
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretError::Open)?;
        String::from_utf8(plain).map_err(|_| SecretError::Open)
    }
}

fn key_file(path: &Path) -> Result<[u8; 32], SecretError> {
    let io = |source| SecretError::KeyFile {
        path: path.display().to_string(),
        source,
    };
    match fs::read_to_string(path) {
        Ok(text) => {
            let text = text.trim();
            let mut key = [0u8; 32];
            if text.len() != 64 {
                return Err(SecretError::BadKeyFile(path.display().to_string()));
            }
            for (i, byte) in key.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)
                    .map_err(|_| SecretError::BadKeyFile(path.display().to_string()))?;
            }
            Ok(key)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(io)?;
            }
            let key: [u8; 32] = XChaCha20Poly1305::generate_key(&mut OsRng).into();
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(io)?;
            file.write_all(hex.as_bytes()).map_err(io)?;
            Ok(key)
        }
        Err(error) => Err(io(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_with_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let a = Secrets::load(None, dir.path()).unwrap();
        let sealed = a.seal("gho_secret");
        assert!(!sealed.windows(10).any(|w| w == b"gho_secret"));
        assert_eq!(a.open(&sealed).unwrap(), "gho_secret");
        // The same key file gives the same key.
        assert_eq!(
            Secrets::load(None, dir.path())
                .unwrap()
                .open(&sealed)
                .unwrap(),
            "gho_secret"
        );
        assert!(Secrets::ephemeral().open(&sealed).is_err());
        assert!(a.open(&sealed[..10]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_generated_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        Secrets::load(None, dir.path()).unwrap();
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn configured_secrets_must_be_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Secrets::load(Some("short"), dir.path()),
            Err(SecretError::TooShort)
        ));
        let a = Secrets::load(Some("0123456789abcdef0123456789abcdef"), dir.path()).unwrap();
        let b = Secrets::load(Some("0123456789abcdef0123456789abcdef"), dir.path()).unwrap();
        assert_eq!(b.open(&a.seal("t")).unwrap(), "t");
        assert!(!dir.path().join(KEY_FILE).exists());
    }
}
