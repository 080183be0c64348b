//! An order's reference ("LY-7K3M-9QXA"), which the booker sees and staff
//! search by, and the payment reference a bank transfer quotes: the same
//! characters as an ISO 11649 structured creditor reference ("RF" and two
//! check digits), which SEPA banks carry through to the statement and check
//! as they are typed, so a mistyped reference is caught at the bank.

use rand::Rng;

/// Crockford's base32: no I, L, O or U to misread.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new order reference: eight random characters (40 bits; the unique
/// index refuses the rare repeat).
pub fn new_order_reference() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..8).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!("LY-{}-{}", &chars[..4], &chars[4..])
}

/// ISO 11649: the check digits of `reference` (letters and digits).
fn check_digits(reference: &str) -> u32 {
    // The reference, then "RF00", letters as 10..35, taken mod 97 digit by digit.
    let mut remainder = 0u32;
    for c in reference.chars().chain("RF00".chars()) {
        let value = c.to_digit(36).expect("a reference is letters and digits");
        remainder = if value >= 10 { (remainder * 100 + value) % 97 } else { (remainder * 10 + value) % 97 };
    }
    98 - remainder
}

/// The structured creditor reference of an order: "RF47 LY7K 3M9Q XA",
/// in groups of four as banks print it.
pub fn creditor_reference(order_reference: &str) -> String {
    let body: String = order_reference.chars().filter(char::is_ascii_alphanumeric).collect();
    let whole = format!("RF{:02}{body}", check_digits(&body));
    whole.as_bytes().chunks(4).map(|chunk| std::str::from_utf8(chunk).expect("ASCII")).collect::<Vec<_>>().join(" ")
}

/// Whether `text` is a valid creditor reference (spaces ignored).
pub fn is_creditor_reference(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let Some(rest) = compact.strip_prefix("RF") else { return false };
    if rest.len() < 3 || !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (check, body) = rest.split_at(2);
    check.parse::<u32>().ok() == Some(check_digits(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_example_of_iso_11649() {
        // The standard's own example: reference 539007547034, RF18.
        assert_eq!(creditor_reference("539007547034"), "RF18 5390 0754 7034");
        assert!(is_creditor_reference("RF18 5390 0754 7034"));
        assert!(!is_creditor_reference("RF19 5390 0754 7034"));
        assert!(!is_creditor_reference("RF18 5390 0754 7043"));
    }

    #[test]
    fn order_references_become_valid_creditor_references() {
        for _ in 0..200 {
            let reference = new_order_reference();
            assert_eq!(reference.len(), 12);
            assert!(reference.starts_with("LY-"));
            let payment = creditor_reference(&reference);
            assert!(is_creditor_reference(&payment), "{reference} -> {payment}");
        }
    }
}
