//! `/admin/sessions/{id}`: a session's roster, for staff and for the
//! session's own instructor. Confirmed seats first, then the waitlist in
//! order; each seat can be marked attended or no-show, and completed,
//! which issues the certificate when the course awards one. Staff can
//! revoke a certificate from here, giving a reason.

use super::roster_message::MessageLearners;
use crate::components::form::DateRange;
use crate::components::form::{FormAlert, NoticeBanner, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::model::admin::RosterListView;
use crate::model::enrolment::RosterSummary;
use crate::model::enrolment::{Attendance, EnrolmentStatus, Roster, RosterDay, RosterEntry};
use crate::model::form::Field;
use crate::server_fns::admin::{MarkAllAttended, MarkRoster, get_roster, get_rosters};
use crate::server_fns::certificates::RevokeCertificate;
use crate::server_fns::sessions::{
    CancelSeat, CancelWholeSession, EnrolByEmail, MoveSeat, MoveWholeSession, PromoteWaitlist,
};
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_query_map;
use leptos_router::hooks::{use_location, use_params_map};

#[derive(Clone, Copy)]
struct Actions {
    mark: ServerAction<MarkRoster>,
    mark_all: ServerAction<MarkAllAttended>,
    revoke: ServerAction<RevokeCertificate>,
    enrol: ServerAction<EnrolByEmail>,
    cancel_seat: ServerAction<CancelSeat>,
    move_seat: ServerAction<MoveSeat>,
    promote: ServerAction<PromoteWaitlist>,
    move_session: ServerAction<MoveWholeSession>,
    cancel_session: ServerAction<CancelWholeSession>,
}

impl Actions {
    fn new() -> Self {
        Actions {
            mark: ServerAction::new(),
            mark_all: ServerAction::new(),
            revoke: ServerAction::new(),
            enrol: ServerAction::new(),
            cancel_seat: ServerAction::new(),
            move_seat: ServerAction::new(),
            promote: ServerAction::new(),
            move_session: ServerAction::new(),
            cancel_session: ServerAction::new(),
        }
    }

    /// Changes whenever one of the roster's forms has been answered.
    fn answered(self) -> usize {
        self.mark.version().get()
            + self.mark_all.version().get()
            + self.revoke.version().get()
            + self.enrol.version().get()
            + self.cancel_seat.version().get()
            + self.move_seat.version().get()
            + self.promote.version().get()
            + self.move_session.version().get()
            + self.cancel_session.version().get()
    }
}

/// `/admin/sessions`: the sessions whose rosters the caller may open,
/// searched by course, campus and dates, a page at a time.
#[component]
pub fn RostersPage() -> impl IntoView {
    set_no_store();
    let location = use_location();
    let rosters = Resource::new(move || location.search.get(), get_rosters);
    view! {
        <PageTitle text="Rosters · Lyceum".to_string()/>
        <Meta name="robots" content="noindex"/>
        <section class="roster">
            <h1>"Rosters"</h1>
            <Loaded data=rosters keep_previous=true render=|list| view! { <RosterFilter list=list.clone()/><RosterLists rosters=list.rosters.clone()/><RosterPages list/> }/>
        </section>
    }
}

#[component]
fn RosterFilter(list: RosterListView) -> impl IntoView {
    let q = list.query;
    let chosen = q.campus.clone().unwrap_or_default();
    let campuses = std::iter::once(("online".to_string(), "Online".to_string())).chain(list.campuses);
    view! {
        <form method="get" action="/admin/sessions" class="admin-filter" role="search">
            <div class="field">
                <label for="f-q">"Course"</label>
                <input id="f-q" type="search" name="q" value=q.q.clone() maxlength="100"/>
            </div>
            <div class="field">
                <label for="f-campus">"Campus"</label>
                <select id="f-campus" name="campus">
                    <option value="" selected=chosen.is_empty()>"Any campus"</option>
                    {campuses.map(|(slug, name)| {
                        let selected = slug == chosen;
                        view! { <option value=slug selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <DateRange from=q.from to=q.to/>
            <button type="submit">"Show rosters"</button>
        </form>
    }
}

#[component]
fn RosterPages(list: RosterListView) -> impl IntoView {
    let q = list.query;
    let prev = (q.page > 1).then(|| q.href(q.page - 1));
    let next = list.more.then(|| q.href(q.page + 1));
    view! {
        <nav class="pagination" aria-label="Pages of rosters">
            <ul>
                {prev.map(|href| view! { <li><a rel="prev" href=href>"Previous"</a></li> })}
                {next.map(|href| view! { <li><a rel="next" href=href>"Next"</a></li> })}
            </ul>
        </nav>
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
    let actions = Actions::new();
    let roster = Resource::new(
        move || {
            let id = params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
            (id, actions.answered())
        },
        |(id, _)| get_roster(id),
    );
    let mark_error = last_error(actions.mark);
    let mark_all_error = last_error(actions.mark_all);
    let revoke_error = last_error(actions.revoke);
    let seat_errors = (last_error(actions.cancel_seat), last_error(actions.move_seat), last_error(actions.promote));
    view! {
        <Meta name="robots" content="noindex"/>
        <section class="roster">
            <NoticeBanner/>
            <FormAlert error=mark_error/>
            <FormAlert error=mark_all_error/>
            <FormAlert error=revoke_error/>
            <FormAlert error=seat_errors.0/>
            <FormAlert error=seat_errors.1/>
            <FormAlert error=seat_errors.2/>
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
    let manage = roster.manage && !roster.started && !roster.cancelled;
    let other_dates = roster.other_dates.clone();
    let has_waitlist = !waiting.is_empty();
    let days = roster.days.clone();
    let online = roster.online;
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
        {roster.cancelled.then(|| view! { <p class="form-alert" role="status">"The academy cancelled this session."</p> })}
        {manage.then(|| view! { <EnrolSomeone session_id actions/> })}
        {(manage && has_waitlist).then(|| view! {
            <ActionForm action=actions.promote attr:class="inline-form">
                <input type="hidden" name="session_id" value=session_id.to_string()/>
                <button type="submit">"Give free seats to the waitlist"</button>
            </ActionForm>
        })}
        <p><a href=format!("/admin/sessions/{session_id}/roster.csv") download="" rel="external">"Download the roster (CSV)"</a></p>
        <p><a href=format!("/admin/sessions/{session_id}/sign-in")>"Sign-in sheet to print"</a></p>
        <h2 id="seated-heading">"Confirmed"</h2>
        {if seated.is_empty() {
            view! { <p class="muted">"Nobody has a seat yet."</p> }.into_any()
        } else {
            view! {
                <ul class="roster-list" aria-labelledby="seated-heading">
                    {seated
                        .iter()
                        .cloned()
                        .enumerate()
                        .map(|(row, entry)| {
                            let other_dates = other_dates.clone();
                            let days = days.clone();
                            view! { <Seat entry row days session_id started manage other_dates actions/> }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }}
        {(started && !seated.is_empty()).then(|| view! { <SaveRoster session_id actions/> })}
        {(!waiting.is_empty()).then(|| view! {
            <h2 id="waitlist-heading">"Waitlist"</h2>
            <ol class="roster-list" aria-labelledby="waitlist-heading">
                {waiting
                    .into_iter()
                    .map(|e| view! {
                        <li>
                            <span class="roster-name">{e.learner_name.clone()}</span>" "
                            <span class="muted">{e.learner_email}</span>
                            {e.waitlist_position.map(|p| format!(" · position {p}"))}
                            {manage.then(|| view! { <CancelSeatForm id=e.enrolment_id name=e.learner_name.clone() session_id actions/> })}
                        </li>
                    })
                    .collect_view()}
            </ol>
        })}
        {manage.then(|| view! { <SessionChanges session_id actions/> })}
        {manage.then(|| view! { <MessageLearners session_id online/> })}
    }
}

/// Enrol a person by their account's address: a seat if one is free,
/// otherwise the waitlist, as if they had enrolled themselves.
#[component]
fn EnrolSomeone(session_id: i64, actions: Actions) -> impl IntoView {
    let error = last_error(actions.enrol);
    view! {
        <h2 id="enrol-heading">"Enrol someone"</h2>
        <FormAlert error/>
        <ActionForm action=actions.enrol attr:class="stack-form" attr:novalidate="">
            <input type="hidden" name="session_id" value=session_id.to_string()/>
            <TextField field=Field::Email label="Their account's e-mail address" kind="email" required=true error/>
            <button type="submit">"Enrol"</button>
        </ActionForm>
    }
}

/// Cancels a seat or a waitlist place, after asking (`?confirm=seat-{id}`).
#[component]
fn CancelSeatForm(id: i64, name: String, session_id: i64, actions: Actions) -> impl IntoView {
    let query = use_query_map();
    let key = format!("seat-{id}");
    let asked = move || query.read().get("confirm").as_deref() == Some(key.as_str());
    let label = format!("Cancel the place of {name}");
    move || {
        match asked() {
        true => view! {
            <div class="confirm" role="alertdialog" aria-label=format!("Cancel the place of {name}?")>
                <p>{format!("Cancel the place of {name}? They are told by e-mail.")}</p>
                <ActionForm action=actions.cancel_seat attr:class="inline-form">
                    <input type="hidden" name="session_id" value=session_id.to_string()/>
                    <input type="hidden" name="enrolment_id" value=id.to_string()/>
                    <button type="submit" class="danger">"Yes, cancel it"</button>
                </ActionForm>
                <a href=format!("/admin/sessions/{session_id}")>"No, keep it"</a>
            </div>
        }
        .into_any(),
        false => view! {
            " · "<a href=format!("/admin/sessions/{session_id}?confirm=seat-{id}#enrolment-{id}") aria-label=label.clone()>"Cancel…"</a>
        }
        .into_any(),
    }
    }
}

/// Move the whole session to another day, or cancel it (after asking).
#[component]
fn SessionChanges(session_id: i64, actions: Actions) -> impl IntoView {
    let move_error = last_error(actions.move_session);
    let cancel_error = last_error(actions.cancel_session);
    let query = use_query_map();
    let asked = move || query.read().get("confirm").as_deref() == Some("session");
    view! {
        <h2 id="move-heading">"Move the session"</h2>
        <p class="field-hint">"Every learner keeps their place and is told by e-mail; their calendars and reminders follow. Local time."</p>
        <FormAlert error=move_error/>
        <ActionForm action=actions.move_session attr:class="stack-form" attr:novalidate="">
            <input type="hidden" name="session_id" value=session_id.to_string()/>
            <TextField field=Field::StartDate label="New date" kind="date" required=true error=move_error/>
            <TextField field=Field::StartTime label="Starts at" kind="time" value="09:00" required=true error=move_error/>
            <TextField field=Field::EndTime label="Ends at" kind="time" value="17:00" required=true error=move_error/>
            <button type="submit">"Move the session"</button>
        </ActionForm>
        <h2 id="cancel-heading">"Cancel the session"</h2>
        <FormAlert error=cancel_error/>
        {move || match asked() {
            true => view! {
                <div class="confirm" role="alertdialog" aria-labelledby="cancel-question">
                    <p id="cancel-question">"Cancel this session? Every learner on it and on its waitlist is told by e-mail, and their calendars mark it cancelled."</p>
                    <ActionForm action=actions.cancel_session attr:class="inline-form">
                        <input type="hidden" name="session_id" value=session_id.to_string()/>
                        <button type="submit" class="danger">"Yes, cancel the session"</button>
                    </ActionForm>
                    <a href=format!("/admin/sessions/{session_id}")>"No, keep it"</a>
                </div>
            }
            .into_any(),
            false => view! { <p><a href=format!("/admin/sessions/{session_id}?confirm=session#cancel-heading")>"Cancel the session…"</a></p> }.into_any(),
        }}
    }
}

#[component]
fn Seat(
    entry: RosterEntry,
    /// The learner's row in the roster form (`marks[row]`).
    row: usize,
    days: Vec<RosterDay>,
    session_id: i64,
    started: bool,
    manage: bool,
    other_dates: Vec<(i64, String)>,
    actions: Actions,
) -> impl IntoView {
    let id = entry.enrolment_id;
    let reason_id = format!("reason-{id}");
    let name = entry.learner_name.clone();
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
                {manage.then(|| view! { <CancelSeatForm id name=name.clone() session_id actions/> })}
            </p>
            {(manage && !other_dates.is_empty()).then(|| {
                let move_id = format!("move-{id}");
                let name = name.clone();
                view! {
                    <ActionForm action=actions.move_seat attr:class="inline-form roster-form">
                        <input type="hidden" name="session_id" value=session_id.to_string()/>
                        <input type="hidden" name="enrolment_id" value=id.to_string()/>
                        <label for=move_id.clone()>{format!("Move {name} to")}</label>
                        <select id=move_id name="to_session_id">
                            {other_dates.into_iter().map(|(date, label)| view! { <option value=date.to_string()>{label}</option> }).collect_view()}
                        </select>
                        <button type="submit" aria-label=format!("Move the seat of {name}")>"Move"</button>
                    </ActionForm>
                }
            })}
            {started.then(|| view! { <SeatMarks entry=entry.clone() row days/> })}
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

/// The id of the form that saves the whole roster: each seat's marks
/// belong to it through their `form` attribute, since a seat also holds
/// forms of its own (a certificate's revocation) and forms cannot nest.
const MARKS_FORM: &str = "roster-marks";

/// A seat's attendance, day by day (a day not begun yet cannot be marked),
/// and its completion, as fields of the roster form.
#[component]
fn SeatMarks(entry: RosterEntry, row: usize, days: Vec<RosterDay>) -> impl IntoView {
    let id = entry.enrolment_id;
    let name = entry.learner_name.clone();
    let several = days.len() > 1;
    let completed_id = format!("completed-{id}");
    view! {
        <div class="roster-form seat-marks">
            <input type="hidden" form=MARKS_FORM name=format!("marks[{row}][enrolment_id]") value=id.to_string()/>
            {days
                .into_iter()
                .zip(entry.days.clone())
                .map(|(day, mark)| {
                    let select_id = format!("attendance-{id}-{}", day.date);
                    let label = match several {
                        true => format!("{name}, {}", day.label),
                        false => format!("Attendance of {name}"),
                    };
                    let option = move |value: Option<Attendance>, text: &'static str| {
                        view! { <option value=value.map(|a| a.as_str()).unwrap_or("") selected=mark == value>{text}</option> }
                    };
                    view! {
                        <span class="day-mark">
                            <label for=select_id.clone() class:visually-hidden=!several>{label}</label>
                            <select id=select_id form=MARKS_FORM name=format!("marks[{row}][d][on-{}]", day.date) disabled=!day.begun>
                                {option(None, "Not marked")}
                                {option(Some(Attendance::Attended), "Attended")}
                                {option(Some(Attendance::NoShow), "No-show")}
                            </select>
                        </span>
                    }
                })
                .collect_view()}
            <span class="day-mark">
                <input type="checkbox" id=completed_id.clone() form=MARKS_FORM name=format!("marks[{row}][completed]") value="on" checked=entry.completed/>
                <label for=completed_id>"Completed the course"</label>
            </span>
        </div>
    }
}

/// The form every seat's marks belong to, and marking everyone present.
#[component]
fn SaveRoster(session_id: i64, actions: Actions) -> impl IntoView {
    view! {
        <h2 id="attendance-heading">"Attendance"</h2>
        <p class="field-hint">"Mark each learner above, then save them all at once. Days not begun yet cannot be marked."</p>
        <div class="inline-form roster-actions">
            <ActionForm action=actions.mark attr:id=MARKS_FORM attr:class="inline-form">
                <input type="hidden" name="session_id" value=session_id.to_string()/>
                <button type="submit">"Save the roster"</button>
            </ActionForm>
            <ActionForm action=actions.mark_all attr:class="inline-form">
                <input type="hidden" name="session_id" value=session_id.to_string()/>
                <button type="submit" class="button-quiet">"Mark everyone not yet marked as attended"</button>
            </ActionForm>
        </div>
    }
}
