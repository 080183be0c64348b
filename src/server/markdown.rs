//! Course text is written by staff in Markdown and shown as HTML. The
//! Markdown is rendered by pulldown-cmark, then everything that could run
//! or load (scripts, event handlers, styles, `javascript:` and `data:`
//! links, raw HTML the Markdown carried) is taken out by ammonia, on the
//! server, before the HTML reaches a page: only a short list of tags and
//! attributes passes, whatever the text held.

use ammonia::Builder;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use std::collections::HashSet;
use std::sync::LazyLock;

/// The tags course text may use: text, emphasis, lists, links, headings
/// below the page's own, quotes, code and simple tables.
const TAGS: &[&str] = &[
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .tags(TAGS.iter().copied().collect::<HashSet<_>>())
        .generic_attributes(HashSet::new())
        .tag_attributes([("a", ["href"].into_iter().collect()), ("ol", ["start"].into_iter().collect())].into())
        .url_schemes(["https", "http", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    builder
});

/// The HTML of a Markdown text, safe to put in a page as it is.
pub fn to_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // A heading written `#` would compete with the page's own title.
    let parser = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Start(Tag::Heading { level: HeadingLevel::H1, id, classes, attrs }) => {
            Event::Start(Tag::Heading { level: HeadingLevel::H2, id, classes, attrs })
        }
        Event::End(TagEnd::Heading(HeadingLevel::H1)) => Event::End(TagEnd::Heading(HeadingLevel::H2)),
        other => other,
    });
    let mut rendered = String::with_capacity(markdown.len() * 5 / 4);
    html::push_html(&mut rendered, parser);
    CLEANER.clean(&rendered).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_plain_html() {
        let html = to_html("# Title\n\nSome *words* and [a link](https://example.com).\n\n- one\n- two");
        assert!(html.contains("<h2>Title</h2>"), "{html}");
        assert!(html.contains("<em>words</em>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.com" rel="noopener noreferrer nofollow">a link</a>"#),
            "{html}"
        );
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn nothing_that_runs_survives() {
        for text in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
            "<svg><script>alert(1)</script></svg>",
            "<p style=\"background:url(javascript:alert(1))\" onclick=\"alert(1)\">x</p>",
        ] {
            let html = to_html(text).to_lowercase();
            for bad in ["<script", "onerror", "onclick", "javascript:", "data:", "<img", "<svg", "style="] {
                assert!(!html.contains(bad), "{text:?} gave {html:?}");
            }
        }
    }
}
