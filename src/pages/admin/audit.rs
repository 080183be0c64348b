//! `/admin/audit`: who changed what, when and from where, filtered by
//! person, record, action and date. The page only reads: nothing in Lyceum
//! edits or removes an entry.

use super::AdminPage;
use crate::components::form::DateRange;
use crate::components::loaded::Loaded;
use crate::model::admin::{AuditLine, AuditView};
use crate::server_fns::courses::get_audit;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn AuditPage() -> impl IntoView {
    let location = use_location();
    let trail = Resource::new(move || location.search.get(), get_audit);
    view! {
        <AdminPage title="Audit trail" section="/admin/audit">
            <Loaded data=trail keep_previous=true render=|view| view! { <Trail view/> }/>
        </AdminPage>
    }
}

#[component]
fn Trail(view: AuditView) -> impl IntoView {
    let q = view.query.clone();
    let entity_id = q.entity_id.map(|id| id.to_string()).unwrap_or_default();
    let (prev, next) = ((q.page > 1).then(|| q.href(q.page - 1)), view.more.then(|| q.href(q.page + 1)));
    view! {
        <form method="get" action="/admin/audit" class="admin-filter" role="search">
            <div class="field">
                <label for="f-person">"Person (name or e-mail)"</label>
                <input id="f-person" type="search" name="person" value=q.person.clone() maxlength="100"/>
            </div>
            <div class="field">
                <label for="f-entity">"Record"</label>
                <select id="f-entity" name="entity">
                    {[("", "Any record"), ("course", "Courses"), ("session", "Sessions"), ("enrolment", "Enrolments"), ("enquiry", "Enquiries"), ("user", "Accounts")]
                        .into_iter()
                        .map(|(value, label)| view! { <option value=value selected=value == q.entity>{label}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-entity_id">"Record number"</label>
                <input id="f-entity_id" type="number" name="entity_id" value=entity_id min="1"/>
            </div>
            <div class="field">
                <label for="f-action">"Action"</label>
                <input id="f-action" type="search" name="action" value=q.action.clone() placeholder="course.updated" maxlength="40"/>
            </div>
            <DateRange from=q.from to=q.to/>
            <button type="submit">"Show"</button>
        </form>
        {if view.lines.is_empty() {
            view! { <p class="muted">"No entries match."</p> }.into_any()
        } else {
            view! { <ol class="audit-list">{view.lines.into_iter().map(|line| view! { <Entry line/> }).collect_view()}</ol> }.into_any()
        }}
        <nav class="pagination" aria-label="Pages of the trail">
            <ul>
                {prev.map(|href| view! { <li><a rel="prev" href=href>"Newer"</a></li> })}
                {next.map(|href| view! { <li><a rel="next" href=href>"Older"</a></li> })}
            </ul>
        </nav>
    }
}

#[component]
fn Entry(line: AuditLine) -> impl IntoView {
    let record = match line.record_href {
        Some(href) => view! { <a href=href>{line.record.clone()}</a> }.into_any(),
        None => view! { <span>{line.record.clone()}</span> }.into_any(),
    };
    view! {
        <li class="audit-entry">
            <p>
                <strong>{line.action}</strong>" · "{record}<br/>
                <span class="muted">{line.at}" · by "{line.actor}{line.about.map(|about| format!(" · about {about}"))}{(!line.ip.is_empty()).then(|| format!(" · from {}", line.ip))}</span>
            </p>
            {(!line.detail.is_empty()).then(|| view! { <p>{line.detail.clone()}</p> })}
            {(!line.changes.is_empty()).then(|| view! {
                <table class="admin-table changes">
                    <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                    <tbody>
                        {line.changes.into_iter().map(|(field, before, after)| view! {
                            <tr><th scope="row">{field}</th><td>{before}</td><td>{after}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </li>
    }
}
