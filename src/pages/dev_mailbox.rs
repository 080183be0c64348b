//! `/dev/mailbox`: the mail Lyceum delivered to its development mailbox,
//! newest first. Development mode only; in production it is not found.

use crate::components::loaded::Loaded;
use crate::components::verbatim::PageTitle;
use crate::model::mail::{Piece, StoredMail, linkify};
use crate::server_fns::dev::get_mailbox;
use leptos::prelude::*;
use leptos_meta::Meta;

#[component]
pub fn DevMailboxPage() -> impl IntoView {
    let messages = Resource::new(|| (), |_| get_mailbox());
    view! {
        <Loaded data=messages loading="Loading the mailbox…" render=|messages| view! { <Mailbox messages/> }/>
    }
}

#[component]
fn Mailbox(messages: Vec<StoredMail>) -> impl IntoView {
    let list = if messages.is_empty() {
        view! { <p class="empty-state">"No mail yet. Messages appear here as soon as the worker delivers them."</p> }
            .into_any()
    } else {
        let items = messages.into_iter().map(|mail| view! { <Message mail/> }).collect_view();
        view! { <ol class="mailbox">{items}</ol> }.into_any()
    };
    view! {
        <PageTitle text="Mailbox · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <section class="dev-mailbox" aria-labelledby="mailbox-heading">
            <h1 id="mailbox-heading">"Development mailbox"</h1>
            <p class="lead">
                "The mail Lyceum would have sent, newest first. It is kept here because no SMTP_URL is set, and this page exists in development only."
            </p>
            {list}
        </section>
    }
}

#[component]
fn Message(mail: StoredMail) -> impl IntoView {
    let heading = format!("mail-{}", mail.id);
    let labelled_by = heading.clone();
    view! {
        <li>
            <article class="mail" aria-labelledby=labelled_by>
                <h2 id=heading class="mail-subject">{mail.subject}</h2>
                <dl class="mail-meta">
                    <div><dt>"To"</dt><dd>{mail.to}</dd></div>
                    <div><dt>"Sent"</dt><dd><time datetime=mail.sent_at>{mail.sent_at_text}</time></dd></div>
                </dl>
                <pre class="mail-body"><MailText text=mail.text/></pre>
            </article>
        </li>
    }
}

/// The plain-text body with its web links made clickable. Text is escaped
/// like any other; only http(s) links become anchors.
#[component]
fn MailText(text: String) -> impl IntoView {
    linkify(&text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(words) => words.to_string().into_any(),
            Piece::Link(url) => view! { <a href=url.to_string() rel="noreferrer">{url.to_string()}</a> }.into_any(),
        })
        .collect_view()
}
