//! `/account`: the learner's courses. Where login lands: upcoming seats
//! (with a way to add them to a calendar, and to cancel or move them,
//! each confirmed on a page of its own), waitlist places with their
//! position, then the history: past sessions with attendance and
//! completion, and bookings given up (cancelled, or moved to another
//! date); certificates, and the private calendar feed.

use super::booking::MoveChoices;
use super::mine::AccountPage;
use crate::components::form::{FormAlert, last_error};
use crate::components::loaded::Loaded;
use crate::model::certificate::MyCertificate;
use crate::model::enrolment::{Attendance, Cancellation, Dashboard, EnrolmentStatus, MyEnrolment};
use crate::server_fns::enrolment::{ReplaceCalendarFeed, get_dashboard};
use leptos::prelude::*;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let feed = ServerAction::<ReplaceCalendarFeed>::new();
    // Loaded again after the feed changes, which stays on this page.
    let dashboard = Resource::new(move || feed.version().get(), |_| get_dashboard());
    let feed_error = last_error(feed);
    view! {
        <AccountPage title="Your courses" path="/account">
            <FormAlert error=feed_error/>
            <Loaded data=dashboard render=move |dashboard| view! { <Courses dashboard feed/> }/>
        </AccountPage>
    }
}

#[component]
fn Courses(dashboard: Dashboard, feed: ServerAction<ReplaceCalendarFeed>) -> impl IntoView {
    let Dashboard { enrolments, certificates, calendar_feed } = dashboard;
    let nothing = enrolments.is_empty();
    let (upcoming, mut history): (Vec<_>, Vec<_>) = enrolments.into_iter().partition(|e| e.upcoming);
    // The most recent first.
    history.reverse();
    let (confirmed, waitlisted): (Vec<_>, Vec<_>) =
        upcoming.into_iter().partition(|e| e.status == EnrolmentStatus::Confirmed);
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
                            {confirmed.into_iter().map(|e| view! { <Upcoming e/> }).collect_view()}
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
                    {waitlisted.into_iter().map(|e| view! { <Upcoming e/> }).collect_view()}
                </ul>
            </section>
        })}
        {(!history.is_empty()).then(|| view! {
            <section aria-labelledby="history-heading">
                <h2 id="history-heading">"History"</h2>
                <ul class="enrolments" aria-labelledby="history-heading">
                    {history.into_iter().map(|e| view! { <Past e/> }).collect_view()}
                </ul>
            </section>
        })}
        <Certificates certificates/>
        <CalendarFeed address=calendar_feed action=feed/>
    }
}

/// A seat or waitlist place still ahead: cancelling it or moving it is
/// asked again on a page of its own.
#[component]
fn Upcoming(e: MyEnrolment) -> impl IntoView {
    let href = format!("/courses/{}", e.course_slug);
    let waitlisted = e.status == EnrolmentStatus::Waitlisted;
    let status = match e.waitlist_position {
        Some(position) => format!("On the waitlist, position {position}"),
        None => "Seat confirmed".to_string(),
    };
    let (open, terms) = match (&e.cancellation, waitlisted) {
        (Cancellation::FreeUntil(_), true) => (true, None),
        (Cancellation::FreeUntil(until), false) => (true, Some(format!("Free cancellation until {until}."))),
        (Cancellation::Closed(why), _) => (false, Some(why.clone())),
    };
    let (give_up, give_up_label) = match waitlisted {
        true => ("Leave the waitlist", format!("Leave the waitlist for {} on {}", e.course_title, e.when)),
        false => ("Cancel", format!("Cancel {} on {}", e.course_title, e.when)),
    };
    let calendar_label = format!("Add to calendar: {} on {}", e.course_title, e.when);
    let give_up_href = format!("/account/enrolments/{}/cancel", e.id);
    let moves = (!e.other_dates.is_empty()).then(|| {
        view! {
            <details class="move-choices">
                <summary>"Move to another date"</summary>
                <MoveChoices id=e.id dates=e.other_dates.clone()/>
            </details>
        }
    });
    view! {
        <li class="enrolment">
            <h3><a href=href>{e.course_title.clone()}</a></h3>
            <p><time datetime=e.starts_at.clone()>{e.when_in_full.clone()}</time></p>
            <p>{e.place_in_full.clone()}</p>
            <p class="muted">{status}</p>
            {terms.map(|terms| view! { <p class="muted">{terms}</p> })}
            <div class="enrolment-actions">
                {(!waitlisted).then(|| view! {
                    <a href=format!("/sessions/{}.ics", e.session_id) download="" aria-label=calendar_label.clone()>
                        "Add to calendar"
                    </a>
                })}
                {open.then(|| view! { <a href=give_up_href.clone() aria-label=give_up_label.clone()>{give_up}</a> })}
            </div>
            {moves}
        </li>
    }
}

/// A session that has started or is over, or a booking given up: what
/// became of it, with nothing left to do.
#[component]
fn Past(e: MyEnrolment) -> impl IntoView {
    let href = format!("/courses/{}", e.course_slug);
    let outcome = match (&e.moved_to, &e.cancelled_on) {
        (Some(to), _) => format!("Moved to {to}"),
        (None, Some(on)) => match e.status {
            EnrolmentStatus::Cancelled if e.session_cancelled => {
                format!("Cancelled on {on}; the academy cancelled this session too")
            }
            _ => format!("Cancelled on {on}"),
        },
        (None, None) if e.session_cancelled => "The academy cancelled this session".to_string(),
        (None, None) => match (e.status, e.attendance, e.completed) {
            (_, _, true) => "Completed",
            (_, Some(Attendance::Attended), false) => "Attended",
            (_, Some(Attendance::NoShow), _) => "Did not attend",
            (EnrolmentStatus::Waitlisted, _, _) => "Did not get a seat",
            _ => "Attendance not recorded yet",
        }
        .to_string(),
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
