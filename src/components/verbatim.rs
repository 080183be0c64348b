//! The two places where the framework writes text into the server-rendered
//! page as it is, without escaping it, and the one function that makes
//! text safe for them. Every title and every textarea goes through here.
//!
//! - leptos_meta puts a `<Title>`'s text into the `<title>` of the head
//!   verbatim when it injects the head during server rendering.
//! - tachys writes the children of a `<textarea>` verbatim (it treats them
//!   as raw text, like a script's).
//!
//! So text that a person typed (a search, a name, a course title) could
//! close the element and write markup of its own. The text is escaped here
//! on the server only: in the browser, both sinks set the text through the
//! DOM (`document.title`, a text node), which needs no escaping, and a
//! hydrating page keeps the node the server wrote. The integration tests
//! render hostile text into every such place and read the pages back with
//! an HTML parser: if the framework starts escaping too, they see the text
//! escaped twice and fail.

use leptos::prelude::*;
use leptos_meta::Title;

/// `text`, ready for a sink that the server writes verbatim.
pub fn sink_text(text: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        escape_html(text)
    }
    #[cfg(not(feature = "ssr"))]
    {
        text.to_string()
    }
}

/// Escapes the five characters that matter in HTML text and attributes.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's title, for the browser's tab and for search engines.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    view! { <Title text=sink_text(&text)/> }
}

/// The text inside a `<textarea>`.
pub fn textarea_text(text: &str) -> String {
    sink_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape_html(r#"</title><script>alert("x")</script> & 'y'"#),
            "&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape_html("Ħal Lija"), "Ħal Lija");
    }
}
