//! Certificates as pages show them: the public verification page and the
//! learner's list.

use serde::{Deserialize, Serialize};

/// Why and when a certificate was withdrawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// "3 December 2026"
    pub on: String,
    pub reason: String,
}

/// A certificate as anyone verifying it sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    pub code: String,
    pub learner_name: String,
    pub course_title: String,
    pub course_slug: String,
    pub hours: i64,
    /// "7 to 11 December 2026", as the certificate words it.
    pub dates: String,
    pub issuer: String,
    /// "11 December 2026"
    pub issued_on: String,
    /// RFC 3339, for `<time datetime>`.
    pub issued_at: String,
    pub revoked: Option<Revocation>,
    /// This page's own address.
    pub url: String,
    /// A QR code of `url`, as an inline SVG element.
    pub qr_svg: String,
}

/// A certificate in its learner's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyCertificate {
    pub code: String,
    pub course_title: String,
    pub issued_on: String,
    pub revoked: bool,
}

/// A certificate code: 26 characters of Crockford's base32 (128 random
/// bits). Anything else cannot be one, and is not looked up.
pub fn is_code(text: &str) -> bool {
    text.len() == 26 && text.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// Crockford's base32, lower case: no i, l, o or u to misread.
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_codes_are_codes() {
        assert!(is_code("0123456789abcdefghjkmnpqrs"));
        assert!(!is_code("0123456789abcdefghjkmnpqri"), "no i");
        assert!(!is_code("0123456789ABCDEFGHJKMNPQRS"), "lower case only");
        assert!(!is_code("0123456789abcdefghjkmnpqr"));
        assert!(!is_code("../../etc/passwd"));
    }
}
