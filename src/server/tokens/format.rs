//! What a personal access token looks like: `lyc_`, 32 random characters
//! of base62 and a 6-character CRC-32 of everything before it. The prefix
//! lets secret scanners find a leaked token; the checksum tells a mistyped
//! token (refused as malformed, without a lookup) from a revoked one.

use rand::Rng;

pub const PREFIX: &str = "lyc_";
const BODY: usize = 32;
const CHECK: usize = 6;
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// How many characters of a token its owner's list shows.
pub const HINT: usize = PREFIX.len() + 6;

/// `value` in base62, `width` characters, most significant first.
fn base62(mut value: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(out).expect("the alphabet is ASCII")
}

fn checksum(head: &str) -> String {
    base62(u64::from(crc32fast::hash(head.as_bytes())), CHECK)
}

/// A new token: 32 characters of base62 from the operating system's
/// generator (190 bits), and its checksum.
pub fn mint() -> String {
    let mut rng = rand::rng();
    let body: String = (0..BODY).map(|_| ALPHABET[rng.random_range(0..62)] as char).collect();
    let head = format!("{PREFIX}{body}");
    let check = checksum(&head);
    format!("{head}{check}")
}

/// Whether `token` has a token's shape and its checksum agrees.
pub fn well_formed(token: &str) -> bool {
    let Some(rest) = token.strip_prefix(PREFIX) else { return false };
    if rest.len() != BODY + CHECK || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, check) = token.split_at(PREFIX.len() + BODY);
    checksum(head) == check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_is_well_formed_and_a_typo_is_not() {
        let token = mint();
        assert_eq!(token.len(), 42);
        assert!(token.starts_with("lyc_"));
        assert!(well_formed(&token));
        // Every single-character typo is caught by the checksum.
        for at in PREFIX.len()..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
            assert!(!well_formed(&String::from_utf8(bytes).unwrap()), "typo at {at}");
        }
        assert!(!well_formed(&token[..41]));
        assert!(!well_formed(&format!("ghp_{}", &token[4..])));
        assert_ne!(mint(), mint());
    }
}
