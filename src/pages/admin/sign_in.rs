//! `/admin/sessions/{id}/sign-in`: a session's sign-in sheet, to print and
//! hand round: each learner with a seat, and a box to sign for each day
//! the session runs. Printed, it is the sheet alone; on a screen it folds
//! to fit a phone like every back-office table.

use crate::components::loaded::Loaded;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::model::enrolment::{EnrolmentStatus, Roster};
use crate::server_fns::admin::get_roster;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_params_map;

#[component]
pub fn SignInSheetPage() -> impl IntoView {
    set_no_store();
    let params = use_params_map();
    let roster =
        Resource::new(move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0), get_roster);
    view! {
        <Meta name="robots" content="noindex"/>
        <section class="sign-in-sheet">
            <Loaded data=roster render=|roster| view! { <Sheet roster/> }/>
        </section>
    }
}

#[component]
fn Sheet(roster: Roster) -> impl IntoView {
    let seated: Vec<_> = roster.entries.into_iter().filter(|e| e.status == EnrolmentStatus::Confirmed).collect();
    let days = roster.days;
    let session_id = roster.session_id;
    view! {
        <PageTitle text=format!("Sign-in sheet: {}, {} · Lyceum", roster.course_title, roster.when)/>
        <p class="no-print">
            <a href=format!("/admin/sessions/{session_id}")>"Back to the roster"</a>" · "
            <a href=format!("/admin/sessions/{session_id}/roster.csv") download="" rel="external">"Download the roster (CSV)"</a>
        </p>
        <h1>"Sign-in sheet"</h1>
        <p class="roster-session">
            <strong>{roster.course_title}</strong><br/>{roster.when}" · "{roster.place}
        </p>
        <p class="no-print field-hint">"Print this page (Ctrl+P or ⌘P): the sheet prints alone."</p>
        {if seated.is_empty() {
            view! { <p class="muted">"Nobody has a seat yet."</p> }.into_any()
        } else {
            view! {
                <table class="admin-table sign-in-table">
                    <caption class="visually-hidden">"Learners with a seat, and a box to sign for each day"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"No."</th>
                            <th scope="col">"Name"</th>
                            {days.iter().map(|d| view! { <th scope="col">{format!("Signature, {}", d.label)}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {seated
                            .into_iter()
                            .enumerate()
                            .map(|(n, e)| {
                                let boxes = days
                                    .iter()
                                    .map(|d| view! { <td class="signature" data-label=format!("Signature, {}", d.label)></td> })
                                    .collect_view();
                                view! {
                                    <tr>
                                        <td data-label="No.">{(n + 1).to_string()}</td>
                                        <th scope="row" data-label="Name">{e.learner_name}</th>
                                        {boxes}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }}
    }
}
