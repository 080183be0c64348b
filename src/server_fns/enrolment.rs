//! Cancelling, moving, and the learner's own enrolments (booking is an
//! order: `server_fns::orders`). Forms post here; every success redirects,
//! so a form without JavaScript lands on the right page.

use crate::error::AppError;
use crate::model::enrolment::{Dashboard, MyEnrolment};
use leptos::prelude::*;

/// Cancels one of the signed-in learner's enrolments: a seat, or a place
/// on a waitlist (which the notice after calls leaving it).
#[server(prefix = "/rpc", endpoint = "enrolment/cancel")]
pub async fn cancel_enrolment(enrolment_id: i64) -> Result<(), AppError> {
    use crate::model::enrolment::EnrolmentStatus;
    use crate::server::auth;
    let (state, _, user) = auth::signed_in().await?;
    // Read before, for the notice only: the cancellation checks it again.
    let booking = state.enrolments.booking(&user, enrolment_id).await;
    let waitlisted = matches!(booking, Ok(b) if b.enrolment.status == EnrolmentStatus::Waitlisted);
    state.enrolments.cancel(&user, enrolment_id).await?;
    let notice = if waitlisted { "waitlist-left" } else { "enrolment-cancelled" };
    leptos_axum::redirect(&format!("/account?notice={notice}"));
    Ok(())
}

/// Moves one of the signed-in learner's confirmed seats to another date
/// of the same course; with `wait` (a full date), joins that date's
/// waitlist to move it there once a seat frees up.
#[server(prefix = "/rpc", endpoint = "enrolment/move")]
pub async fn move_enrolment(enrolment_id: i64, session_id: i64, wait: Option<String>) -> Result<(), AppError> {
    use crate::model::enrolment::EnrolmentStatus;
    use crate::server::auth;
    let (state, _, user) = auth::signed_in().await?;
    let moved = match wait {
        Some(_) => state.enrolments.move_or_wait(&user, enrolment_id, session_id).await?,
        None => state.enrolments.transfer(&user, enrolment_id, session_id).await?,
    };
    let notice = match moved.status {
        EnrolmentStatus::Waitlisted => "move-requested",
        _ => "enrolment-moved",
    };
    leptos_axum::redirect(&format!("/account?notice={notice}"));
    Ok(())
}

/// Gives the signed-in learner a new private calendar address; the old one
/// stops working.
#[server(prefix = "/rpc", endpoint = "calendar/replace")]
pub async fn replace_calendar_feed() -> Result<(), AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in().await?;
    state.calendars.replace_feed(&user).await?;
    leptos_axum::redirect("/account?notice=calendar-replaced#calendar");
    Ok(())
}

/// One of the signed-in learner's own enrolments, for the pages that
/// confirm its cancellation or its move; anyone else's is not found.
#[server(prefix = "/rpc", endpoint = "enrolment/booking")]
pub async fn get_booking(enrolment_id: i64) -> Result<MyEnrolment, AppError> {
    use crate::server::{auth, present::Presenter};
    let (state, _, user) = auth::signed_in().await?;
    let booking = state.enrolments.booking(&user, enrolment_id).await?;
    Ok(Presenter::of(&state.config).my_enrolment(booking, chrono::Utc::now()))
}

/// The signed-in learner's dashboard: enrolments upcoming, past and given
/// up, certificates, and the calendar feed.
#[server(prefix = "/rpc", endpoint = "enrolment/dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    use crate::server::{auth, present::Presenter};
    let (state, _, user) = auth::signed_in().await?;
    let (presenter, now) = (Presenter::of(&state.config), chrono::Utc::now());
    let enrolments =
        state.enrolments.of_learner(&user).await?.into_iter().map(|e| presenter.my_enrolment(e, now)).collect();
    Ok(Dashboard {
        enrolments,
        certificates: state.certificates.of_learner(&user).await?,
        calendar_feed: state.calendars.feed_address(&user).await?,
    })
}

/// The signed-in learner's places in the dates of the course `slug`; none
/// for a visitor. Asked apart from the course itself, which is the same
/// for everyone (and cached).
#[server(prefix = "/rpc", endpoint = "enrolment/places")]
pub async fn get_my_places(slug: String) -> Result<Vec<crate::model::enrolment::MyPlace>, AppError> {
    use crate::server::{auth, request};
    // The state is read before anything is awaited: a resource's future
    // may be polled where the request's context is no longer at hand.
    let state = request::state();
    match auth::maybe_signed_in().await? {
        Some(user) => Ok(state.enrolments.places_in_course(&user, &slug).await?),
        None => Ok(Vec::new()),
    }
}
