//! `application/x-www-form-urlencoded` query strings, the form a GET form
//! submits, written out here so the browser bundle needs no URL library.

/// Splits `a=1&b=x+y` into decoded pairs. Malformed escapes are kept as typed.
pub fn parse_pairs(raw: &str) -> Vec<(String, String)> {
    raw.trim_start_matches('?')
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// Joins pairs into a query string, escaping everything but unreserved
/// characters and writing spaces as `+`.
pub fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        encode_into(&mut out, name);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

fn encode_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_percent_and_utf8() {
        let pairs = parse_pairs("?q=caf%C3%A9+bar&empty=&flag&x=%zz%4");
        assert_eq!(
            pairs,
            [
                ("q".into(), "café bar".into()),
                ("empty".into(), String::new()),
                ("flag".into(), String::new()),
                ("x".into(), "%zz%4".into()),
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_not_refused() {
        assert_eq!(parse_pairs("q=%FF")[0].1, "\u{FFFD}");
    }

    #[test]
    fn encoding_round_trips() {
        let text = "C# & .NET: 100% \"fast\"/é";
        let encoded = encode_pairs([("q", text)]);
        assert_eq!(encoded, "q=C%23+%26+.NET%3A+100%25+%22fast%22%2F%C3%A9");
        assert_eq!(parse_pairs(&encoded)[0].1, text);
    }
}
