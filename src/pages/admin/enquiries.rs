//! `/admin/enquiries`: the inbox of what visitors ask through `/contact`,
//! filtered and searched by a plain GET form (the address holds the whole
//! query), a page at a time; and `/admin/enquiries/{id}`: one enquiry,
//! with its status and assignee, internal notes, and replies sent by
//! e-mail. Each form that changes the enquiry carries the version the
//! page was drawn from, so a save over someone else's is refused.

use super::AdminPage;
use crate::components::form::{FormAlert, SavedMeanwhile, Select, TextArea, last_error};
use crate::components::loaded::Loaded;
use crate::model::enquiry::{
    EnquiryStatus, EnquiryView, Inbox, InboxItem, InboxQuery, NOTE_MAX, NoteKind, NoteView, SEARCH_MAX,
};
use crate::model::form::Field;
use crate::server_fns::enquiries::{AddEnquiryNote, ReplyToEnquiry, SetEnquiryState, get_enquiry, get_inbox};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map};

#[component]
pub fn EnquiriesPage() -> impl IntoView {
    let location = use_location();
    let inbox = Resource::new(move || location.search.get(), get_inbox);
    view! {
        <AdminPage title="Enquiries" section="/admin/enquiries">
            <Loaded data=inbox keep_previous=true render=|inbox| view! { <InboxView inbox/> }/>
        </AdminPage>
    }
}

/// A `<select>` of a GET form: `name`, its label, the empty choice's
/// label, and each choice as (value, label), `chosen` selected.
fn filter_select(
    name: &'static str,
    label: &'static str,
    any: &'static str,
    choices: Vec<(String, String)>,
    chosen: String,
) -> impl IntoView {
    let id = format!("f-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                <option value="" selected=chosen.is_empty()>{any}</option>
                {choices
                    .into_iter()
                    .map(|(value, text)| {
                        let selected = value == chosen;
                        view! { <option value=value selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

#[component]
fn InboxView(inbox: Inbox) -> impl IntoView {
    let query = inbox.query.clone();
    let statuses = EnquiryStatus::choices();
    let mut assignees = vec![("me".to_string(), "Me".to_string()), ("none".to_string(), "Nobody".to_string())];
    assignees.extend(inbox.staff.clone());
    let count = match inbox.total {
        0 => "No enquiries match.".to_string(),
        1 => "1 enquiry".to_string(),
        n => format!("{n} enquiries"),
    };
    view! {
        <form method="get" action="/admin/enquiries" class="filter-form" role="search">
            <div class="field search-field">
                <label for="f-q">"Search names, addresses and messages"</label>
                <input id="f-q" type="search" name="q" value=query.q.clone() maxlength=SEARCH_MAX.to_string()/>
            </div>
            {filter_select("status", "Status", "Any status", statuses, query.status.map(|s| s.as_str().to_string()).unwrap_or_default())}
            {filter_select("assignee", "Assigned to", "Anyone", assignees, query.assignee.as_string())}
            {filter_select("course", "Course", "Any course", inbox.courses.clone(), query.course.clone().unwrap_or_default())}
            <div class="actions">
                <button type="submit">"Show enquiries"</button>
                <a href="/admin/enquiries">"Clear all"</a>
            </div>
        </form>
        <p class="muted" role="status">{count}</p>
        {(!inbox.items.is_empty()).then(|| view! {
            <div class="table-scroll">
                <table class="enquiries stack">
                    <caption class="visually-hidden">"Enquiries, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"From"</th>
                            <th scope="col">"Course"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Assigned to"</th>
                            <th scope="col">"Received"</th>
                        </tr>
                    </thead>
                    <tbody>{inbox.items.into_iter().map(|item| view! { <InboxRow item/> }).collect_view()}</tbody>
                </table>
            </div>
        })}
        <Pages query pages=inbox.pages/>
    }
}

#[component]
fn InboxRow(item: InboxItem) -> impl IntoView {
    view! {
        <tr class=format!("enquiry-row status-{}", item.status.as_str())>
            <td data-label="From">
                <a class="enquiry-name" href=format!("/admin/enquiries/{}", item.id)>{item.name}</a>
                <br/><span class="muted">{item.email}</span>
            </td>
            <td data-label="Course">{item.course.unwrap_or_default()}</td>
            <td data-label="Status">{item.status.label()}</td>
            <td data-label="Assigned to">{item.assignee.unwrap_or_else(|| "Nobody".into())}</td>
            <td data-label="Received"><time datetime=item.received_at>{item.received}</time></td>
        </tr>
    }
}

/// Previous and next pages of the inbox, with the same filters.
#[component]
fn Pages(query: InboxQuery, pages: u32) -> impl IntoView {
    if pages <= 1 {
        return ().into_any();
    }
    let current = query.page;
    let prev = (current > 1).then(|| {
        view! { <li><a rel="prev" href=query.with_page(current - 1).href()>"Previous"</a></li> }
    });
    let next = (current < pages).then(|| {
        view! { <li><a rel="next" href=query.with_page(current + 1).href()>"Next"</a></li> }
    });
    view! {
        <nav class="pagination" aria-label="Pages of enquiries">
            <ul>
                {prev}
                <li><span aria-current="page">{format!("Page {current} of {pages}")}</span></li>
                {next}
            </ul>
        </nav>
    }
    .into_any()
}

#[derive(Clone, Copy)]
struct Actions {
    state: ServerAction<SetEnquiryState>,
    note: ServerAction<AddEnquiryNote>,
    reply: ServerAction<ReplyToEnquiry>,
}

#[component]
pub fn EnquiryPage() -> impl IntoView {
    let params = use_params_map();
    let actions = Actions { state: ServerAction::new(), note: ServerAction::new(), reply: ServerAction::new() };
    let enquiry = Resource::new(
        move || {
            let id = params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
            (id, actions.state.version().get(), actions.note.version().get(), actions.reply.version().get())
        },
        |(id, ..)| get_enquiry(id),
    );
    view! {
        <AdminPage title="Enquiry" section="/admin/enquiries">
            <p><a href="/admin/enquiries">"All enquiries"</a></p>
            <Loaded data=enquiry render=move |enquiry| view! { <EnquiryDetail enquiry actions/> }/>
        </AdminPage>
    }
}

#[component]
fn EnquiryDetail(enquiry: EnquiryView, actions: Actions) -> impl IntoView {
    // Each form carries the id (and, where it changes the enquiry, the
    // version the page was drawn from).
    let (id, version) = (enquiry.id.to_string(), enquiry.version.to_string());
    let (state_id, state_version, reply_id, reply_version, note_id) =
        (id.clone(), version.clone(), id.clone(), version, id);
    let state_error = last_error(actions.state);
    let note_error = last_error(actions.note);
    let reply_error = last_error(actions.reply);
    let mut staff = enquiry.staff.clone();
    staff.sort_by(|a, b| a.1.cmp(&b.1));
    let message = enquiry.message.lines().map(|line| view! { {line.to_string()}<br/> }).collect_view();
    view! {
        <article class="enquiry">
            <h2>{format!("From {}", enquiry.name)}</h2>
            <dl class="enquiry-facts">
                <div><dt>"E-mail"</dt><dd><a href=format!("mailto:{}", enquiry.email)>{enquiry.email.clone()}</a></dd></div>
                {enquiry.phone.clone().map(|phone| view! { <div><dt>"Phone"</dt><dd>{phone}</dd></div> })}
                <div><dt>"Course"</dt><dd>{match enquiry.course.clone() {
                    Some((slug, title)) => view! { <a href=format!("/courses/{slug}")>{title}</a> }.into_any(),
                    None => view! { "None in particular" }.into_any(),
                }}</dd></div>
                <div><dt>"Received"</dt><dd>{enquiry.received.clone()}</dd></div>
                <div><dt>"Account"</dt><dd>{if enquiry.has_account { "Has an account here" } else { "No account" }}</dd></div>
                <div><dt>"Status"</dt><dd class="enquiry-status">{enquiry.status.label()}</dd></div>
            </dl>
            <blockquote class="enquiry-message">{message}</blockquote>
        </article>
        <section aria-labelledby="state-heading">
            <h2 id="state-heading">"Status and assignee"</h2>
            <FormAlert error=state_error/>
            <SavedMeanwhile error=state_error/>
            <ActionForm action=actions.state attr:class="inline-form" attr:novalidate="">
                <input type="hidden" name="id" value=state_id/>
                <input type="hidden" name="version" value=state_version/>
                <Select field=Field::Status label="Status" choices=EnquiryStatus::choices() value=enquiry.status.as_str() error=state_error/>
                <Select field=Field::Assignee label="Assigned to" any="Nobody" choices=staff value=enquiry.assignee.clone() error=state_error/>
                <button type="submit" disabled=move || actions.state.pending().get()>"Save"</button>
            </ActionForm>
        </section>
        <section id="notes" aria-labelledby="notes-heading">
            <h2 id="notes-heading">"Notes and replies"</h2>
            {if enquiry.notes.is_empty() {
                view! { <p class="muted">"None yet."</p> }.into_any()
            } else {
                view! { <ol class="enquiry-notes">{enquiry.notes.into_iter().map(|note| view! { <Note note/> }).collect_view()}</ol> }.into_any()
            }}
        </section>
        <section aria-labelledby="reply-heading">
            <h2 id="reply-heading">"Reply by e-mail"</h2>
            <p class="muted">{format!("Sent to {} in the thread of our acknowledgement; the enquiry is then marked answered.", enquiry.email)}</p>
            <FormAlert error=reply_error/>
            <SavedMeanwhile error=reply_error/>
            <ActionForm action=actions.reply attr:class="stack-form" attr:novalidate="">
                <input type="hidden" name="id" value=reply_id/>
                <input type="hidden" name="version" value=reply_version/>
                <TextArea field=Field::Reply label="Your reply" value="" max=NOTE_MAX error=reply_error/>
                <button type="submit" disabled=move || actions.reply.pending().get()>"Send reply"</button>
            </ActionForm>
        </section>
        <section aria-labelledby="note-heading">
            <h2 id="note-heading">"Add an internal note"</h2>
            <p class="muted">"Only staff see notes."</p>
            <FormAlert error=note_error/>
            <ActionForm action=actions.note attr:class="stack-form" attr:novalidate="">
                <input type="hidden" name="id" value=note_id/>
                <TextArea field=Field::Note label="Note" value="" max=NOTE_MAX error=note_error/>
                <button type="submit" disabled=move || actions.note.pending().get()>"Add note"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Note(note: NoteView) -> impl IntoView {
    let kind = match note.kind {
        NoteKind::Note => "Note",
        NoteKind::Reply => "Reply sent",
    };
    let body = note.body.lines().map(|line| view! { {line.to_string()}<br/> }).collect_view();
    view! {
        <li class=format!("enquiry-note note-{}", note.kind.as_str())>
            <p class="muted">{format!("{kind} by {}, {}", note.author, note.at)}</p>
            <p>{body}</p>
        </li>
    }
}
