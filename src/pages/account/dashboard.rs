//! `/account`: the learner's courses. Where login lands: upcoming seats
//! (with a way to cancel, move to another date, or add to a calendar),
//! waitlist places with their position, past sessions with attendance and
//! completion, certificates, and the private calendar feed.

use super::mine::AccountPage;
use crate::components::form::{FormAlert, last_error};
use crate::components::loaded::Loaded;
use crate::model::certificate::MyCertificate;
use crate::model::enrolment::{Attendance, Dashboard, EnrolmentStatus, MyEnrolment};
use crate::server_fns::enrolment::{CancelEnrolment, MoveEnrolment, ReplaceCalendarFeed, get_dashboard};
use leptos::prelude::*;

/// The forms of the page, each reloading the dashboard when it succeeds.
#[derive(Clone, Copy)]
struct Actions {
    cancel: ServerAction<CancelEnrolment>,
    move_to: ServerAction<MoveEnrolment>,
    feed: ServerAction<ReplaceCalendarFeed>,
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let actions = Actions {
        cancel: ServerAction::<CancelEnrolment>::new(),
        move_to: ServerAction::<MoveEnrolment>::new(),
        feed: ServerAction::<ReplaceCalendarFeed>::new(),
    };
    // Loaded again after each change, which stays on this page.
    let dashboard = Resource::new(
        move || (actions.cancel.version().get(), actions.move_to.version().get(), actions.feed.version().get()),
        |_| get_dashboard(),
    );
    let cancel_error = last_error(actions.cancel);
    let move_error = last_error(actions.move_to);
    view! {
        <AccountPage title="Your courses" path="/account">
            <FormAlert error=cancel_error/>
            <FormAlert error=move_error/>
            <Loaded data=dashboard render=move |dashboard| view! { <Courses dashboard actions/> }/>
        </AccountPage>
    }
}

#[component]
fn Courses(dashboard: Dashboard, actions: Actions) -> impl IntoView {
    let Dashboard { enrolments, certificates, calendar_feed } = dashboard;
    let (upcoming, past): (Vec<_>, Vec<_>) = enrolments.into_iter().partition(|e| e.upcoming);
    let (confirmed, waitlisted): (Vec<_>, Vec<_>) =
        upcoming.into_iter().partition(|e| e.status == EnrolmentStatus::Confirmed);
    let nothing = confirmed.is_empty() && waitlisted.is_empty() && past.is_empty();
    view! {
        {nothing.then(|| view! {
            <section class="empty-state">
                <h2>"No courses yet"</h2>
                <p>"When you enrol in a session, or join its waitlist, it shows here."</p>
                <p><a class="button-link" href="/courses">"Find a course"</a></p>
            </section>
        })}
        {(!nothing).then(|| view! {
            <section aria-labelledby="upcoming-heading">
                <h2 id="upcoming-heading">"Upcoming"</h2>
                {if confirmed.is_empty() {
                    view! { <p class="muted">"No confirmed seats ahead."</p> }.into_any()
                } else {
                    view! {
                        <ul class="enrolments">
                            {confirmed.into_iter().map(|e| view! { <Upcoming e actions/> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </section>
        })}
        {(!waitlisted.is_empty()).then(|| view! {
            <section aria-labelledby="waitlist-heading">
                <h2 id="waitlist-heading">"On the waitlist"</h2>
                <ul class="enrolments">
                    {waitlisted.into_iter().map(|e| view! { <Upcoming e actions/> }).collect_view()}
                </ul>
            </section>
        })}
        {(!past.is_empty()).then(|| view! {
            <section aria-labelledby="past-heading">
                <h2 id="past-heading">"Past sessions"</h2>
                <ul class="enrolments">{past.into_iter().map(|e| view! { <Past e/> }).collect_view()}</ul>
            </section>
        })}
        <Certificates certificates/>
        <CalendarFeed address=calendar_feed action=actions.feed/>
    }
}

/// A seat or waitlist place still ahead.
#[component]
fn Upcoming(e: MyEnrolment, actions: Actions) -> impl IntoView {
    let href = format!("/courses/{}", e.course_slug);
    let status = match e.waitlist_position {
        Some(position) => format!("On the waitlist, position {position}"),
        None => "Seat confirmed".to_string(),
    };
    let cancel_label = format!("Cancel {} on {}", e.course_title, e.when);
    let calendar_label = format!("Add to calendar: {} on {}", e.course_title, e.when);
    let move_id = format!("move-{}", e.id);
    let other_dates = e.other_dates.clone();
    view! {
        <li class="enrolment">
            <h3><a href=href>{e.course_title.clone()}</a></h3>
            <p><time datetime=e.starts_at.clone()>{e.when.clone()}</time>" · "{e.place.clone()}</p>
            <p class="muted">{status}</p>
            <div class="enrolment-actions">
                {(e.status == EnrolmentStatus::Confirmed).then(|| view! {
                    <a href=format!("/sessions/{}.ics", e.session_id) download="" aria-label=calendar_label.clone()>
                        "Add to calendar"
                    </a>
                })}
                <ActionForm action=actions.cancel attr:class="inline-form">
                    <input type="hidden" name="enrolment_id" value=e.id.to_string()/>
                    <button type="submit" class="button-quiet" aria-label=cancel_label>"Cancel"</button>
                </ActionForm>
            </div>
            {(!other_dates.is_empty()).then(|| view! {
                <ActionForm action=actions.move_to attr:class="inline-form move-form">
                    <input type="hidden" name="enrolment_id" value=e.id.to_string()/>
                    <label for=move_id.clone()>"Move to another date"</label>
                    <select id=move_id name="session_id">
                        {other_dates
                            .into_iter()
                            .map(|(id, when, place)| view! { <option value=id.to_string()>{format!("{when} · {place}")}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="button-quiet">"Move my seat"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// A session that has started or is over: attendance and completion.
#[component]
fn Past(e: MyEnrolment) -> impl IntoView {
    let href = format!("/courses/{}", e.course_slug);
    let outcome = match (e.status, e.attendance, e.completed) {
        (_, _, true) => "Completed",
        (_, Some(Attendance::Attended), false) => "Attended",
        (_, Some(Attendance::NoShow), _) => "Did not attend",
        (EnrolmentStatus::Waitlisted, _, _) => "Did not get a seat",
        _ => "Attendance not recorded yet",
    };
    view! {
        <li class="enrolment">
            <h3><a href=href>{e.course_title.clone()}</a></h3>
            <p><time datetime=e.starts_at.clone()>{e.when.clone()}</time>" · "{e.place.clone()}</p>
            <p class="muted">{outcome}</p>
        </li>
    }
}

#[component]
fn Certificates(certificates: Vec<MyCertificate>) -> impl IntoView {
    (!certificates.is_empty()).then(|| {
        view! {
            <section aria-labelledby="certificates-heading">
                <h2 id="certificates-heading">"Certificates"</h2>
                <ul class="enrolments">
                    {certificates
                        .into_iter()
                        .map(|c| {
                            let href = format!("/certificates/{}", c.code);
                            view! {
                                <li class="enrolment">
                                    <h3><a href=href>{c.course_title}</a></h3>
                                    <p class="muted">
                                        {format!("Issued {}", c.issued_on)}
                                        {c.revoked.then_some(" · Revoked")}
                                    </p>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}

/// The private calendar feed: its address, and a way to replace it.
#[component]
fn CalendarFeed(address: Option<String>, action: ServerAction<ReplaceCalendarFeed>) -> impl IntoView {
    let has_one = address.is_some();
    view! {
        <section id="calendar" aria-labelledby="calendar-heading">
            <h2 id="calendar-heading">"Your calendar"</h2>
            {match address {
                Some(address) => view! {
                    <p>
                        "Subscribe to this address in your calendar app to see every session you are enrolled in, \
                         kept up to date. It is private: anyone with it can see your courses."
                    </p>
                    <p><label for="calendar-feed">"Calendar address"</label></p>
                    <input id="calendar-feed" class="feed-address" type="text" readonly="" value=address/>
                }
                .into_any(),
                None => view! {
                    <p>"Get a private address to subscribe to in your calendar app: every session you are enrolled in, kept up to date."</p>
                }
                .into_any(),
            }}
            <ActionForm action attr:class="inline-form">
                <button type="submit" class="button-quiet">
                    {if has_one { "Replace the address (the old one stops working)" } else { "Get my calendar address" }}
                </button>
            </ActionForm>
        </section>
    }
}
