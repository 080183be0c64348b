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

/// Characters per group when a code is shown to be read aloud or typed
/// from paper: short enough to hold in mind at once.
const GROUP: usize = 4;

/// A code as someone typed it (from paper, a phone call, a copied page)
/// made into the code itself, as Crockford's base32 decodes: spaces and
/// hyphens ignored, any case, I and L read as 1, O as 0. `None` when what
/// is left is not a code; the caller says so, and nothing is looked up.
pub fn parse_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            other => other,
        })
        .collect();
    is_code(&code).then_some(code)
}

/// A code in groups of four for reading aloud: `0123 4567 89ab …`. The
/// spaces are for people only; [`parse_code`] takes them out again.
pub fn grouped_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars.chunks(GROUP).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// A code spelled out for a screen reader, character by character with a
/// pause between groups, where "0123" would be read as a number.
pub fn spelled_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().map(|c| c.to_ascii_uppercase()).collect();
    chars
        .chunks(GROUP)
        .map(|group| group.iter().map(char::to_string).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

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

    #[test]
    fn a_typed_code_is_read_as_crockford_base32() {
        let code = "0123456789abcdefghjkmnpqrs";
        assert_eq!(parse_code(code).as_deref(), Some(code));
        assert_eq!(parse_code("0123-4567-89AB-CDEF-GHJK-MNPQ-RS").as_deref(), Some(code));
        assert_eq!(parse_code("  0123 4567\t89ab cdef ghjk mnpq rs \n").as_deref(), Some(code));
        // I and L are 1, O is 0, whatever the case.
        assert_eq!(parse_code("O|23456789abcdefghjkmnpqrs"), None, "a bar is not a one");
        assert_eq!(parse_code("oI23456789abcdefghjkmnpqrs").as_deref(), Some("0123456789abcdefghjkmnpqrs"));
        assert_eq!(parse_code("0l23456789abcdefghjkmnpqrs").as_deref(), Some(code));
        assert_eq!(parse_code("0123456789abcdefghjkmnpqru"), None, "no u");
        assert_eq!(parse_code("0123 4567 89ab"), None, "too short");
        assert_eq!(parse_code("0123456789abcdefghjkmnpqrs0"), None, "too long");
        assert_eq!(parse_code(""), None);
        assert_eq!(parse_code("<script>alert(\"x\")</script>"), None);
        assert_eq!(parse_code("0123456789abcdefghjkmnpqr\u{0301}s"), None, "no combining marks");
    }

    #[test]
    fn a_code_is_grouped_for_reading_and_the_groups_read_back() {
        let code = "0123456789abcdefghjkmnpqrs";
        let grouped = grouped_code(code);
        assert_eq!(grouped, "0123 4567 89ab cdef ghjk mnpq rs");
        assert_eq!(grouped.replace(' ', ""), code);
        assert_eq!(parse_code(&grouped).as_deref(), Some(code));
        assert_eq!(parse_code(&grouped.to_uppercase()).as_deref(), Some(code));
        assert_eq!(spelled_code("0123456789"), "0 1 2 3, 4 5 6 7, 8 9");
    }
}
