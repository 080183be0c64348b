//! The Ed25519 keys that sign certificates' credentials, and the JWKS that
//! publishes their public halves.
//!
//! Keys come from `LYCEUM_CREDENTIAL_KEYS` (`KEY_ID=KEY,...`, the first
//! signs) or, when that is not set, are derived from `LYCEUM_SECRET` and
//! the previous secrets, so rotating the secret rotates the signing key
//! while credentials signed before still verify against the published set.

use crate::server::crypto::Secret;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};

/// Whether `text` is a key as `LYCEUM_CREDENTIAL_KEYS` takes it: 32 bytes
/// in URL-safe base64 without padding.
pub fn is_seed(text: &str) -> bool {
    URL_SAFE_NO_PAD.decode(text).is_ok_and(|bytes| bytes.len() == 32)
}

/// A fresh key for `LYCEUM_CREDENTIAL_KEYS`, from the OS's generator.
pub fn new_seed() -> String {
    let mut seed = [0u8; 32];
    rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut seed).expect("the OS random generator works");
    URL_SAFE_NO_PAD.encode(seed)
}

struct Key {
    id: String,
    signing: SigningKey,
}

impl Key {
    fn from_seed(id: String, seed: [u8; 32]) -> Self {
        Self { id, signing: SigningKey::from_bytes(&seed) }
    }

    /// A key derived from an application secret; its id names the public
    /// key, so the same secret always gives the same id.
    fn derived(secret: &[u8]) -> Self {
        let mut seed = [0u8; 32];
        Hkdf::<Sha256>::new(Some(b"lyceum"), secret)
            .expand(b"credential signing key v1", &mut seed)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        let signing = SigningKey::from_bytes(&seed);
        let digest = Sha256::digest(signing.verifying_key().as_bytes());
        let id = format!("k{}", digest[..6].iter().map(|b| format!("{b:02x}")).collect::<String>());
        Self { id, signing }
    }
}

/// The signing key and every key whose credentials still verify.
pub struct CredentialKeys {
    keys: Vec<Key>,
    /// Where the JWKS is published; key ids in JWS headers are this URL
    /// with the key's id as fragment, so they dereference to the key.
    jwks_url: String,
}

impl CredentialKeys {
    /// From configured `(id, key)` pairs, else from the secrets, else (tests
    /// only: `main` always has a secret) a random key.
    pub fn new(
        configured: &[(String, Secret)],
        secret: Option<&Secret>,
        previous: &[Secret],
        public_url: &str,
    ) -> Self {
        let keys: Vec<Key> = if !configured.is_empty() {
            configured
                .iter()
                .filter_map(|(id, key)| {
                    let bytes = URL_SAFE_NO_PAD.decode(key.expose()).ok()?;
                    Some(Key::from_seed(id.clone(), bytes.try_into().ok()?))
                })
                .collect()
        } else if let Some(secret) = secret {
            std::iter::once(secret).chain(previous).map(|s| Key::derived(s.expose())).collect()
        } else {
            let seed = URL_SAFE_NO_PAD.decode(new_seed()).expect("a fresh seed decodes");
            vec![Key::derived(&seed)]
        };
        assert!(!keys.is_empty(), "configuration checks every credential key");
        Self { keys, jwks_url: format!("{public_url}{JWKS_PATH}") }
    }

    /// The id of the key that signs now.
    pub fn current_id(&self) -> &str {
        &self.keys[0].id
    }

    /// The JWS `kid` of a key: a URL that dereferences to it.
    pub fn kid(&self, id: &str) -> String {
        format!("{}#{id}", self.jwks_url)
    }

    /// A compact JWS (`header.payload.signature`) of `claims`, signed with
    /// the current key: a JWT whose `alg` is `EdDSA`.
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        let key = &self.keys[0];
        let header = serde_json::json!({ "alg": "EdDSA", "typ": "JWT", "kid": self.kid(&key.id) });
        let signing_input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = key.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    /// The public keys as a JSON Web Key Set (RFC 7517, RFC 8037).
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self
            .keys
            .iter()
            .map(|key| {
                serde_json::json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": URL_SAFE_NO_PAD.encode(key.signing.verifying_key().as_bytes()),
                    "kid": self.kid(&key.id),
                    "use": "sig",
                    "alg": "EdDSA",
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

/// Where the JWKS is served.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    fn verify(jwks: &serde_json::Value, token: &str) -> bool {
        let (input, signature) = token.rsplit_once('.').unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(input.split('.').next().unwrap()).unwrap()).unwrap();
        let Some(jwk) = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header["kid"]) else {
            return false;
        };
        let x: [u8; 32] = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap().try_into().unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
        VerifyingKey::from_bytes(&x).unwrap().verify(input.as_bytes(), &signature).is_ok()
    }

    #[test]
    fn a_rotated_secret_signs_with_a_new_key_and_still_publishes_the_old_one() {
        let old = CredentialKeys::new(&[], Some(&Secret::new("o".repeat(40))), &[], "https://a.example");
        let token = old.sign(&serde_json::json!({ "jti": "x" }));
        let rotated = CredentialKeys::new(
            &[],
            Some(&Secret::new("n".repeat(40))),
            &[Secret::new("o".repeat(40))],
            "https://a.example",
        );
        assert_ne!(old.current_id(), rotated.current_id());
        assert!(verify(&rotated.jwks(), &token), "an old credential verifies after rotation");
        assert!(verify(&rotated.jwks(), &rotated.sign(&serde_json::json!({}))));
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(r#"{"jti":"y"}"#), parts[2]);
        assert!(!verify(&rotated.jwks(), &forged), "changed claims do not verify");
    }

    #[test]
    fn configured_keys_keep_their_ids_and_the_first_signs() {
        let (a, b) = (new_seed(), new_seed());
        assert!(is_seed(&a) && !is_seed("short") && !is_seed(&format!("{a}A")));
        let keys = CredentialKeys::new(
            &[("2027".into(), Secret::new(a)), ("2026".into(), Secret::new(b))],
            None,
            &[],
            "https://a.example",
        );
        assert_eq!(keys.current_id(), "2027");
        assert_eq!(keys.jwks()["keys"][1]["kid"], "https://a.example/.well-known/jwks.json#2026");
    }
}
