//! A message of the development mailbox as its page shows it, and the rule
//! that finds the links in its text.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    /// The plain-text body. The HTML body is never shown: it is not ours to trust.
    pub text: String,
    /// When it was delivered, RFC 3339 in UTC.
    pub sent_at: String,
    /// The same, for people.
    pub sent_at_text: String,
}

/// A piece of a text: words, or a link to show as one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits `text` into plain pieces and `http(s)://` links. A link runs to the
/// next space, quote or angle bracket; punctuation that ends a sentence, and
/// a closing bracket it did not open, are left out of it. Only http and https
/// become links, so no other scheme (`javascript:`) ever reaches an `href`.
pub fn linkify(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    while let Some(found) = text[at..].find("http") {
        let start = at + found;
        let rest = &text[start..];
        let scheme = if rest.starts_with("https://") {
            "https://".len()
        } else if rest.starts_with("http://") {
            "http://".len()
        } else {
            0
        };
        // `xhttp://` is not a link; `(http://` and `<http://` are.
        let word_start = text[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        if scheme == 0 || !word_start {
            at = start + "http".len();
            continue;
        }
        let end = start + link_len(rest);
        if end - start <= scheme {
            at = start + scheme;
            continue;
        }
        if plain_from < start {
            pieces.push(Piece::Text(&text[plain_from..start]));
        }
        pieces.push(Piece::Link(&text[start..end]));
        plain_from = end;
        at = end;
    }
    if plain_from < text.len() {
        pieces.push(Piece::Text(&text[plain_from..]));
    }
    pieces
}

/// The length in bytes of the link at the start of `rest`.
fn link_len(rest: &str) -> usize {
    let mut end = rest
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .map_or(rest.len(), |(i, _)| i);
    loop {
        let link = &rest[..end];
        let Some(last) = link.chars().next_back() else { return end };
        let unopened = |open: char| link.matches(open).count() < link.matches(last).count();
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' => true,
            ')' => unopened('('),
            ']' => unopened('['),
            '}' => unopened('{'),
            _ => false,
        };
        if !drop {
            return end;
        }
        end -= last.len_utf8();
    }
}

#[cfg(test)]
mod tests {
    use super::{Piece::*, linkify};

    #[test]
    fn links_are_found_between_words() {
        let text = "Confirm your address:\nhttps://academy.test/verify-email?token=abc123\n\nThanks";
        assert_eq!(
            linkify(text),
            vec![
                Text("Confirm your address:\n"),
                Link("https://academy.test/verify-email?token=abc123"),
                Text("\n\nThanks"),
            ]
        );
    }

    #[test]
    fn sentence_punctuation_and_unopened_brackets_stay_outside() {
        assert_eq!(linkify("See http://a.test/x."), vec![Text("See "), Link("http://a.test/x"), Text(".")]);
        assert_eq!(linkify("(at https://a.test/b)"), vec![Text("(at "), Link("https://a.test/b"), Text(")")]);
        assert_eq!(linkify("https://a.test/wiki/Rust_(language)"), vec![Link("https://a.test/wiki/Rust_(language)")]);
        assert_eq!(linkify("<https://a.test/>"), vec![Text("<"), Link("https://a.test/"), Text(">")]);
    }

    #[test]
    fn only_whole_http_links_count() {
        for text in ["javascript:alert(1)", "xhttps://a.test", "https://", "http:// spaced", "ftp://a.test", "httpx"] {
            assert!(linkify(text).iter().all(|p| matches!(p, Text(_))), "{text:?}: {:?}", linkify(text));
        }
        assert_eq!(linkify(""), vec![]);
    }

    #[test]
    fn quotes_end_a_link_and_text_is_kept_whole() {
        let text = "a \"https://a.test/q?x=1&y=2\" b https://b.test ħ";
        let pieces = linkify(text);
        assert_eq!(pieces[1], Link("https://a.test/q?x=1&y=2"));
        assert_eq!(pieces[3], Link("https://b.test"));
        let joined: String = pieces
            .iter()
            .map(|p| match p {
                Text(t) | Link(t) => *t,
            })
            .collect();
        assert_eq!(joined, text);
    }
}
