//! `/admin/sessions/{id}`: a session's roster, for staff and for the
//! session's own instructor. Confirmed seats first, then the waitlist in
//! order; each seat can be marked attended or no-show, and completed,
//! which issues the certificate when the course awards one. Staff can
//! revoke a certificate from here, giving a reason.

use crate::components::form::{FormAlert, NoticeBanner, last_error};
use crate::components::loaded::Loaded;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::model::enrolment::RosterSummary;
use crate::model::enrolment::{Attendance, EnrolmentStatus, Roster, RosterEntry};
use crate::server_fns::admin::{MarkAttendance, get_roster, get_rosters};
use crate::server_fns::certificates::RevokeCertificate;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_params_map;

#[derive(Clone, Copy)]
struct Actions {
    mark: ServerAction<MarkAttendance>,
    revoke: ServerAction<RevokeCertificate>,
}

/// `/admin/sessions`: the sessions whose rosters the caller may open.
#[component]
pub fn RostersPage() -> impl IntoView {
    set_no_store();
    let rosters = Resource::new(|| (), |_| get_rosters());
    view! {
        <PageTitle text="Rosters · Lyceum".to_string()/>
        <Meta name="robots" content="noindex"/>
        <section class="roster">
            <h1>"Rosters"</h1>
            <Loaded data=rosters render=|rosters| view! { <RosterLists rosters/> }/>
        </section>
    }
}

#[component]
fn RosterLists(rosters: Vec<RosterSummary>) -> impl IntoView {
    let (mut started, upcoming): (Vec<_>, Vec<_>) = rosters.into_iter().partition(|r| r.started);
    started.reverse();
    let list = |items: Vec<RosterSummary>, heading: &'static str, id: &'static str| {
        view! {
            <h2 id=id>{heading}</h2>
            {if items.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="roster-list" aria-labelledby=id>
                        {items
                            .into_iter()
                            .map(|r| view! {
                                <li class="roster-entry">
                                    <a href=format!("/admin/sessions/{}", r.session_id)>{r.course_title}</a>
                                    <br/>{r.when}" · "{r.place}
                                    <span class="muted">{format!(" · {} of {} seats taken", r.seats_taken, r.capacity)}</span>
                                </li>
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        }
    };
    view! {
        {list(started, "Running and recent", "recent-heading")}
        {list(upcoming, "Upcoming", "upcoming-heading")}
    }
}

#[component]
pub fn RosterPage() -> impl IntoView {
    set_no_store();
    let params = use_params_map();
    let actions = Actions { mark: ServerAction::new(), revoke: ServerAction::new() };
    let roster = Resource::new(
        move || {
            let id = params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
            (id, actions.mark.version().get(), actions.revoke.version().get())
        },
        |(id, _, _)| get_roster(id),
    );
    let mark_error = last_error(actions.mark);
    let revoke_error = last_error(actions.revoke);
    view! {
        <Meta name="robots" content="noindex"/>
        <section class="roster">
            <NoticeBanner/>
            <FormAlert error=mark_error/>
            <FormAlert error=revoke_error/>
            <Loaded data=roster render=move |roster| view! { <RosterView roster actions/> }/>
        </section>
    }
}

#[component]
fn RosterView(roster: Roster, actions: Actions) -> impl IntoView {
    let (seated, waiting): (Vec<_>, Vec<_>) =
        roster.entries.iter().cloned().partition(|e| e.status == EnrolmentStatus::Confirmed);
    let session_id = roster.session_id;
    let started = roster.started;
    view! {
        <PageTitle text=format!("Roster: {}, {} · Lyceum", roster.course_title, roster.when)/>
        <p><a href="/admin/sessions">"All rosters"</a></p>
        <h1>"Roster"</h1>
        <p class="roster-session">
            <a href=format!("/courses/{}", roster.course_slug)>{roster.course_title.clone()}</a>
            <br/>{roster.when.clone()}" · "{roster.place.clone()}
        </p>
        <p class="muted">
            {format!("{} of {} seats taken, {} on the waitlist.", roster.seats_taken, roster.capacity, waiting.len())}
            {(!started).then_some(" Attendance can be marked once the session starts.")}
        </p>
        <p><a href=format!("/admin/sessions/{session_id}/roster.csv") download="" rel="external">"Download the roster (CSV)"</a></p>
        <h2 id="seated-heading">"Confirmed"</h2>
        {if seated.is_empty() {
            view! { <p class="muted">"Nobody has a seat yet."</p> }.into_any()
        } else {
            view! {
                <ul class="roster-list" aria-labelledby="seated-heading">
                    {seated.into_iter().map(|entry| view! { <Seat entry session_id started actions/> }).collect_view()}
                </ul>
            }
            .into_any()
        }}
        {(!waiting.is_empty()).then(|| view! {
            <h2 id="waitlist-heading">"Waitlist"</h2>
            <ol class="roster-list" aria-labelledby="waitlist-heading">
                {waiting
                    .into_iter()
                    .map(|e| view! {
                        <li>
                            <span class="roster-name">{e.learner_name}</span>" "
                            <span class="muted">{e.learner_email}</span>
                            {e.waitlist_position.map(|p| format!(" · position {p}"))}
                        </li>
                    })
                    .collect_view()}
            </ol>
        })}
    }
}

#[component]
fn Seat(entry: RosterEntry, session_id: i64, started: bool, actions: Actions) -> impl IntoView {
    let id = entry.enrolment_id;
    let select_id = format!("attendance-{id}");
    let completed_id = format!("completed-{id}");
    let reason_id = format!("reason-{id}");
    let name = entry.learner_name.clone();
    let option = move |value: Option<Attendance>, label: &'static str| {
        let selected = entry.attendance == value;
        view! { <option value=value.map(|a| a.as_str()).unwrap_or("") selected=selected>{label}</option> }
    };
    view! {
        <li class="roster-entry" id=format!("enrolment-{id}")>
            <p>
                <span class="roster-name">{entry.learner_name.clone()}</span>" "
                <span class="muted">{entry.learner_email.clone()}</span>
                {entry.certificate.clone().map(|code| view! {
                    " · "<a href=format!("/certificates/{code}")>
                        {if entry.certificate_revoked { "Certificate (revoked)" } else { "Certificate" }}
                    </a>
                })}
            </p>
            {started.then(|| view! {
                <ActionForm action=actions.mark attr:class="inline-form roster-form">
                    <input type="hidden" name="session_id" value=session_id.to_string()/>
                    <input type="hidden" name="enrolment_id" value=id.to_string()/>
                    <label for=select_id.clone()>{format!("Attendance of {name}")}</label>
                    <select id=select_id name="attendance">
                        {option(None, "Not marked")}
                        {option(Some(Attendance::Attended), "Attended")}
                        {option(Some(Attendance::NoShow), "No-show")}
                    </select>
                    <input type="checkbox" id=completed_id.clone() name="completed" value="on" checked=entry.completed/>
                    <label for=completed_id>"Completed the course"</label>
                    <button type="submit" aria-label=format!("Save attendance of {name}")>"Save"</button>
                </ActionForm>
            })}
            {entry.certificate.clone().filter(|_| !entry.certificate_revoked).map(|code| view! {
                <ActionForm action=actions.revoke attr:class="inline-form roster-form">
                    <input type="hidden" name="session_id" value=session_id.to_string()/>
                    <input type="hidden" name="code" value=code/>
                    <label for=reason_id.clone()>{format!("Reason to revoke the certificate of {}", entry.learner_name)}</label>
                    <input type="text" id=reason_id name="reason" maxlength="300" required=""/>
                    <button type="submit" class="button-quiet">"Revoke certificate"</button>
                </ActionForm>
            })}
        </li>
    }
}
