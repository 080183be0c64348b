//! Giving up a booking is asked twice: `/account/enrolments/{id}/cancel`
//! and `/account/enrolments/{id}/move?to={session}` show the booking in
//! full (the course, its days and hours, the place), until when it may be
//! cancelled or moved free of charge, and then a button that does it, or
//! why it no longer can. A waitlist place is left, not cancelled. Plain
//! links and forms: every step works without JavaScript.

use crate::components::form::{FormAlert, LastError, last_error};
use crate::components::loaded::Loaded;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::model::enrolment::{Cancellation, DateChoice, EnrolmentStatus, MyEnrolment};
use crate::server_fns::enrolment::{CancelEnrolment, MoveEnrolment, get_booking};
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

/// The enrolment named by the address; 0 (found by nobody) when it names none.
fn enrolment_id(params: Memo<ParamsMap>) -> i64 {
    params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0)
}

/// `/account/enrolments/{id}/cancel`: cancel a seat, or leave a waitlist.
#[component]
pub fn CancelBookingPage() -> impl IntoView {
    set_no_store();
    let params = use_params_map();
    let booking = Resource::new(move || enrolment_id(params), get_booking);
    let cancel = ServerAction::<CancelEnrolment>::new();
    view! {
        <Meta name="robots" content="noindex"/>
        <section class="account booking">
            <Loaded data=booking render=move |booking| view! { <CancelBooking booking cancel/> }/>
        </section>
    }
}

#[component]
fn CancelBooking(booking: MyEnrolment, cancel: ServerAction<CancelEnrolment>) -> impl IntoView {
    let error = last_error(cancel);
    let waitlisted = booking.status == EnrolmentStatus::Waitlisted;
    let title = if waitlisted { "Leave the waitlist" } else { "Cancel your booking" };
    let id = booking.id.to_string();
    let body = match (&booking.cancellation, waitlisted) {
        (Cancellation::FreeUntil(_), true) => view! {
            <p>
                "You can leave the waitlist until the session starts. Those behind you move up; you can join again \
                 later, at the end of the waitlist."
            </p>
            <FormAlert error/>
            <div class="confirm-actions">
                <ActionForm action=cancel attr:class="inline-form">
                    <input type="hidden" name="enrolment_id" value=id/>
                    <button type="submit" class="button-danger">"Leave the waitlist"</button>
                </ActionForm>
                <a class="button-link button-quiet" href="/account">"Stay on the waitlist"</a>
            </div>
        }
        .into_any(),
        (Cancellation::FreeUntil(_), false) => view! {
            <p>
                "Your seat goes to the first person on the waitlist, if anyone is waiting, and we confirm the \
                 cancellation by e-mail."
            </p>
            <FormAlert error/>
            <div class="confirm-actions">
                <ActionForm action=cancel attr:class="inline-form">
                    <input type="hidden" name="enrolment_id" value=id/>
                    <button type="submit" class="button-danger">"Cancel this booking"</button>
                </ActionForm>
                <a class="button-link button-quiet" href="/account">"Keep my booking"</a>
            </div>
        }
        .into_any(),
        (Cancellation::Closed(why), _) => {
            let said = match (&booking.moved_to, &booking.cancelled_on) {
                (Some(to), _) => format!("This booking moved to {to}: there is nothing left to cancel here."),
                (None, Some(on)) => format!("This booking was cancelled on {on}."),
                (None, None) if waitlisted => format!("You can no longer leave this waitlist. {why}"),
                (None, None) => format!("This booking can no longer be cancelled. {why}"),
            };
            view! {
                <div class="form-notice" role="status">{said}</div>
                <p><a class="button-link" href="/account">"Back to your courses"</a></p>
            }
            .into_any()
        }
    };
    view! {
        <PageTitle text=format!("{title} · Lyceum")/>
        <h1>{title}</h1>
        <BookingFacts booking=booking.clone() change=CANCELLATION/>
        {body}
    }
}

/// `/account/enrolments/{id}/move`: the dates a seat can move to, then
/// (`?to={session}`) the move to confirm.
#[component]
pub fn MoveBookingPage() -> impl IntoView {
    set_no_store();
    let params = use_params_map();
    let query = use_query_map();
    let to = move || query.read().get("to").map(|to| to.parse::<i64>().ok());
    let booking = Resource::new(
        move || (enrolment_id(params), to()),
        |(id, to)| async move { get_booking(id).await.map(|booking| (booking, to)) },
    );
    let move_to = ServerAction::<MoveEnrolment>::new();
    view! {
        <Meta name="robots" content="noindex"/>
        <section class="account booking">
            <Loaded data=booking render=move |(booking, to)| view! { <MoveBooking booking to move_to/> }/>
        </section>
    }
}

/// `to`: the date asked for, if any (`Some(None)` when the address names
/// one that is not a number).
#[component]
fn MoveBooking(booking: MyEnrolment, to: Option<Option<i64>>, move_to: ServerAction<MoveEnrolment>) -> impl IntoView {
    let error = last_error(move_to);
    let id = booking.id;
    let chosen = to.flatten().and_then(|to| booking.other_dates.iter().find(|d| d.session_id == to).cloned());
    let body = match (&booking.cancellation, booking.status) {
        (Cancellation::Closed(why), _) => {
            let said = match (&booking.moved_to, &booking.cancelled_on) {
                (Some(to), _) => format!("This booking moved to {to} already."),
                (None, Some(on)) => format!("This booking was cancelled on {on}."),
                (None, None) => format!("This booking can no longer be moved. {why}"),
            };
            view! {
                <div class="form-notice" role="status">{said}</div>
                <p><a class="button-link" href="/account">"Back to your courses"</a></p>
            }
            .into_any()
        }
        (_, EnrolmentStatus::Waitlisted) => view! {
            <div class="form-notice" role="status">
                "Only a confirmed seat can move to another date. You can join the waitlist of another date from the \
                 course's page."
            </div>
            <p><a class="button-link" href=format!("/courses/{}", booking.course_slug)>"The course's dates"</a></p>
        }
        .into_any(),
        _ if booking.other_dates.is_empty() => view! {
            <div class="form-notice" role="status">
                "No other date of this course is open for booking at the moment, so your seat stays where it is."
            </div>
            <p><a class="button-link" href="/account">"Back to your courses"</a></p>
        }
        .into_any(),
        _ => match chosen {
            Some(date) => view! { <ConfirmMove id date move_to error/> }.into_any(),
            None => view! {
                {to.is_some().then(|| view! {
                    <div class="form-notice" role="status">
                        "That date cannot be chosen: it has started, it is one you hold a place on already, or it \
                         is not a date of this course. Choose one of these."
                    </div>
                })}
                <MoveChoices id dates=booking.other_dates.clone()/>
                <p><a href="/account">"Keep my booking"</a></p>
            }
            .into_any(),
        },
    };
    view! {
        <PageTitle text="Move your booking · Lyceum".to_string()/>
        <h1>"Move your booking"</h1>
        <BookingFacts booking=booking.clone() change=MOVE/>
        {body}
    }
}

/// The move to `date` to confirm: at once when a seat is free there; by
/// waiting for one when it is full, keeping the seat held meanwhile.
#[component]
fn ConfirmMove(id: i64, date: DateChoice, move_to: ServerAction<MoveEnrolment>, error: LastError) -> impl IntoView {
    let (heading, said, button, keep) = match date.full {
        false => (
            "Move to",
            "Your seat on the new date is confirmed at once, and the one you hold now goes to the first person on its \
             waitlist, if anyone is waiting. If the new date fills up first, you keep the seat you have. We e-mail \
             you the new details.",
            "Move my booking",
            "Keep my booking",
        ),
        true => (
            "Wait for a seat on",
            "This date is full. You can join its waitlist to move your seat there: you keep the seat you hold now \
             until one frees up, then your seat moves at once, with nothing more to pay, and we e-mail you. Leave \
             that waitlist at any time to stay where you are.",
            "Wait for a seat on this date",
            "Keep my booking as it is",
        ),
    };
    view! {
        <h2>{heading}</h2>
        <dl class="booking-facts">
            <dt>"When"</dt>
            <dd>{date.when_in_full.clone()}</dd>
            <dt>"Where"</dt>
            <dd>{date.place_in_full.clone()}</dd>
            <dt>"Fee"</dt>
            <dd>"No fee."</dd>
        </dl>
        <p>{said}</p>
        <FormAlert error/>
        <div class="confirm-actions">
            <ActionForm action=move_to attr:class="inline-form">
                <input type="hidden" name="enrolment_id" value=id.to_string()/>
                <input type="hidden" name="session_id" value=date.session_id.to_string()/>
                {date.full.then(|| view! { <input type="hidden" name="wait" value="on"/> })}
                <button type="submit">{button}</button>
            </ActionForm>
            <a class="button-link button-quiet" href="/account">{keep}</a>
        </div>
        <p><a href=format!("/account/enrolments/{id}/move")>"Choose another date"</a></p>
    }
}

/// Which change a page confirms: (its name, until when it is free).
type Change = (&'static str, &'static str);
const CANCELLATION: Change = ("Cancellation", "Free cancellation until");
const MOVE: Change = ("Moving", "Free to move until");

/// The booking in full: course, days and hours, place, its place on the
/// waitlist, and until when `change` is free of charge.
#[component]
fn BookingFacts(booking: MyEnrolment, change: Change) -> impl IntoView {
    let href = format!("/courses/{}", booking.course_slug);
    let (name, free) = change;
    let terms = match (&booking.cancellation, booking.status) {
        (Cancellation::FreeUntil(until), EnrolmentStatus::Confirmed) => Some(view! {
            <dt>{name}</dt>
            <dd>{format!("{free} {until}")}</dd>
            <dt>"Fee"</dt>
            <dd>"No fee."</dd>
        }),
        _ => None,
    };
    view! {
        <dl class="booking-facts">
            <dt>"Course"</dt>
            <dd><a href=href>{booking.course_title.clone()}</a></dd>
            <dt>"When"</dt>
            <dd><time datetime=booking.starts_at.clone()>{booking.when_in_full.clone()}</time></dd>
            <dt>"Where"</dt>
            <dd>{booking.place_in_full.clone()}</dd>
            {booking.waitlist_position.map(|position| view! {
                <dt>"Waitlist"</dt>
                <dd>{format!("Position {position}")}</dd>
            })}
            {terms}
        </dl>
    }
}

/// The dates a seat can move to, each with its days, hours and place in
/// full; choosing one opens the page that confirms the move (a plain GET
/// form, which needs no script).
#[component]
pub(super) fn MoveChoices(id: i64, dates: Vec<DateChoice>) -> impl IntoView {
    view! {
        <form method="get" action=format!("/account/enrolments/{id}/move") class="move-form">
            <fieldset class="date-choices">
                <legend>"Choose the new date"</legend>
                {dates
                    .into_iter()
                    .map(|date| {
                        let input = format!("move-{id}-to-{}", date.session_id);
                        view! {
                            <div class="date-choice">
                                <input
                                    type="radio"
                                    id=input.clone()
                                    name="to"
                                    value=date.session_id.to_string()
                                    required=true
                                />
                                <label for=input>
                                    <span class="date-choice-when">{date.when_in_full}</span>
                                    " "
                                    <span class="date-choice-place">{date.place_in_full}</span>
                                    {date.full.then(|| view! {
                                        " "
                                        <span class="date-choice-full">"Full: wait for a seat"</span>
                                    })}
                                </label>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <button type="submit" class="button-quiet">"Review the move"</button>
        </form>
    }
}
