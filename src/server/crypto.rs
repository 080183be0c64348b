//! Secrets at rest and in links.
//!
//! Personal data that need not be readable in the database (phone numbers)
//! is sealed with XChaCha20-Poly1305: its 24-byte random nonces cannot
//! repeat in practice, so one key can seal any number of values. The key is
//! derived from `LYCEUM_SECRET` with HKDF-SHA256, and every sealed value
//! names the key that sealed it (an id derived from the key), so after a
//! rotation values sealed under a `LYCEUM_PREVIOUS_SECRETS` key still open
//! and are resealed under the current one when next written.
//!
//! Tokens sent by e-mail are 256 random bits; only their SHA-256 is stored,
//! so a leaked table holds nothing that opens an account.
//!
//! Tables looked up by a value a person can guess (an e-mail address or a
//! client address, for rate limits and the login lockout) keep a keyed
//! hash of it instead ([`Keyring::keyed_hash`]): a plain SHA-256 of a known
//! address can be recomputed by anyone to confirm the address was used.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};
use hkdf::Hkdf;
use hkdf::hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

/// A secret from the environment. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// At least this many characters (32 random bytes, hex or base64, are 43 or more).
    pub const MIN_LEN: usize = 32;

    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Format tag of sealed values: `v1.<key id>.<base64url(nonce ‖ ciphertext)>`.
const VERSION: &str = "v1";
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value names key {0}, which is not configured")]
    UnknownKey(String),
    #[error("sealed value does not open: wrong key, wrong context or tampered")]
    Tampered,
}

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
    /// The HMAC key of [`Keyring::keyed_hash`].
    lookup: [u8; 32],
}

impl Key {
    fn derive(secret: &[u8]) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(b"lyceum"), secret);
        let mut key = [0u8; 32];
        let mut id = [0u8; 4];
        // Distinct `info` strings give independent outputs: the id says
        // nothing about the key.
        hkdf.expand(b"field encryption key v1", &mut key).expect("32 bytes is a valid HKDF-SHA256 length");
        hkdf.expand(b"field encryption key id v1", &mut id).expect("4 bytes is a valid HKDF-SHA256 length");
        let mut lookup = [0u8; 32];
        hkdf.expand(b"lookup hash key v1", &mut lookup).expect("32 bytes is a valid HKDF-SHA256 length");
        let id = id.iter().map(|b| format!("{b:02x}")).collect();
        Self { id, cipher: XChaCha20Poly1305::new(&key.into()), lookup }
    }
}

/// The current key and the earlier ones that may still open old values.
pub struct Keyring {
    current: Key,
    previous: Vec<Key>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("current", &self.current.id).finish_non_exhaustive()
    }
}

impl Keyring {
    pub fn new(secret: &Secret, previous: &[Secret]) -> Self {
        Self {
            current: Key::derive(secret.expose()),
            previous: previous.iter().map(|secret| Key::derive(secret.expose())).collect(),
        }
    }

    /// The keys of the configured secret (and the earlier ones). Without
    /// one (only tests: `main` keeps a secret in development), a random
    /// key: sealed values then do not open after a restart.
    pub fn from_secrets(secret: Option<&Secret>, previous: &[Secret]) -> Self {
        match secret {
            Some(secret) => Self::new(secret, previous),
            None => Self::ephemeral(),
        }
    }

    pub fn ephemeral() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self { current: Key::derive(&bytes), previous: Vec::new() }
    }

    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plain`. `context` (say `users.phone:42`) is authenticated but
    /// not stored: a value copied to another row or column does not open.
    pub fn seal(&self, plain: &str, context: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .current
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: context.as_bytes() })
            .expect("XChaCha20-Poly1305 encryption of an in-memory value cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{VERSION}.{}.{}", self.current.id, URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<String, CryptoError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CryptoError::Malformed);
        };
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.id == id)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_string()))?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| CryptoError::Malformed)?;
        if bytes.len() < NONCE_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = key
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() })
            .map_err(|_| CryptoError::Tampered)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed)
    }

    /// A keyed hash of `value` for `purpose` (HMAC-SHA256 under a key
    /// derived from the current secret, hex), for a table that is looked up
    /// by a value someone could guess and must not keep it: without the
    /// secret, knowing an address does not tell whether it is in the table.
    /// Another purpose gives unrelated hashes. A rotation changes every
    /// hash, so what is kept under one must be short-lived (rate limits, a
    /// lockout): it starts afresh.
    pub fn keyed_hash(&self, purpose: &str, value: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.current.lookup).expect("HMAC-SHA256 takes a key of any length");
        // The purpose never holds a newline, so no two pairs run together.
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether a sealed value should be resealed under the current key.
    pub fn is_stale(&self, sealed: &str) -> bool {
        sealed.split('.').nth(1) != Some(self.current.id.as_str())
    }
}

/// A fingerprint of `secret`, for telling whether two instances hold the
/// same one: HKDF-SHA256 of the secret over a label of its own (hex). Like
/// a key id it is independent of every derived key, and it cannot be
/// turned back into the secret.
pub fn fingerprint(secret: &Secret) -> String {
    let hkdf = Hkdf::<Sha256>::new(Some(b"lyceum"), secret.expose());
    let mut out = [0u8; 32];
    hkdf.expand(b"secret fingerprint v1", &mut out).expect("32 bytes is a valid HKDF-SHA256 length");
    out.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random token for a link: 256 bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: its SHA-256, hex. Tokens carry 256 random
/// bits, so a plain hash is as good as a slow one here.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(secret: &str, previous: &[&str]) -> Keyring {
        let previous: Vec<Secret> = previous.iter().map(|s| Secret::new(*s)).collect();
        Keyring::new(&Secret::new(secret), &previous)
    }

    const A: &str = "a-secret-of-at-least-thirty-two-characters";
    const B: &str = "another-secret-of-at-least-thirty-two-chars";

    #[test]
    fn seals_and_opens_without_showing_the_text() {
        let keys = ring(A, &[]);
        let sealed = keys.seal("+356 2123 4567", "users.phone:1");
        assert!(!sealed.contains("2123"), "{sealed}");
        assert!(sealed.starts_with(&format!("v1.{}.", keys.current_key_id())));
        assert_eq!(keys.open(&sealed, "users.phone:1").unwrap(), "+356 2123 4567");
        // Random nonces: the same text seals differently every time.
        assert_ne!(sealed, keys.seal("+356 2123 4567", "users.phone:1"));
    }

    #[test]
    fn another_context_or_a_changed_byte_does_not_open() {
        let keys = ring(A, &[]);
        let sealed = keys.seal("+356 2123 4567", "users.phone:1");
        assert_eq!(keys.open(&sealed, "users.phone:2"), Err(CryptoError::Tampered));
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.open(&String::from_utf8(bytes).unwrap(), "users.phone:1"), Err(CryptoError::Tampered));
        assert_eq!(keys.open("plain text", "users.phone:1"), Err(CryptoError::Malformed));
    }

    #[test]
    fn rotation_keeps_old_values_readable() {
        let old = ring(A, &[]);
        let sealed = old.seal("secret", "ctx");
        let rotated = ring(B, &[A]);
        assert_ne!(old.current_key_id(), rotated.current_key_id());
        assert!(rotated.is_stale(&sealed));
        assert_eq!(rotated.open(&sealed, "ctx").unwrap(), "secret");
        let without_old = ring(B, &[]);
        assert!(matches!(without_old.open(&sealed, "ctx"), Err(CryptoError::UnknownKey(_))));
    }

    #[test]
    fn a_fingerprint_tells_secrets_apart_and_shows_nothing_of_them() {
        let (a, b) = (Secret::new(A), Secret::new(B));
        assert_eq!(fingerprint(&a), fingerprint(&Secret::new(A)));
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a).len(), 64);
        assert!(!fingerprint(&a).contains(&ring(A, &[]).current.id), "independent of the key id");
        assert_ne!(fingerprint(&a), token_hash(A), "keyed, not a plain hash of the secret");
    }

    #[test]
    fn keyed_hashes_need_the_secret_and_differ_by_purpose() {
        let keys = ring(A, &[]);
        let hash = keys.keyed_hash("limits", "ann@example.com");
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, ring(A, &[]).keyed_hash("limits", "ann@example.com"), "the same secret, the same hash");
        assert_ne!(hash, token_hash("ann@example.com"), "not a plain SHA-256 anyone can recompute");
        assert_ne!(hash, ring(B, &[]).keyed_hash("limits", "ann@example.com"));
        assert_ne!(hash, keys.keyed_hash("throttle", "ann@example.com"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let token = new_token();
        assert_eq!(token.len(), 43);
        assert_ne!(token, new_token());
        let hash = token_hash(&token);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token));
        assert_eq!(hash, token_hash(&token));
    }
}
