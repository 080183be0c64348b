//! Cancelling, moving, and the learner's own enrolments (booking is an
//! order: `server_fns::orders`). Forms post here; every success redirects,
//! so a form without JavaScript lands on the right page.

use crate::error::AppError;
use crate::model::enrolment::Dashboard;
use leptos::prelude::*;

/// Cancels one of the signed-in learner's enrolments.
#[server(prefix = "/rpc", endpoint = "enrolment/cancel")]
pub async fn cancel_enrolment(enrolment_id: i64) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in().await?;
    state.enrolments.cancel(&user, enrolment_id).await?;
    leptos_axum::redirect("/account?notice=enrolment-cancelled");
    Ok(())
}

/// Moves one of the signed-in learner's confirmed seats to another date
/// of the same course.
#[server(prefix = "/rpc", endpoint = "enrolment/move")]
pub async fn move_enrolment(enrolment_id: i64, session_id: i64) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in().await?;
    state.enrolments.transfer(&user, enrolment_id, session_id).await?;
    leptos_axum::redirect("/account?notice=enrolment-moved");
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

/// The signed-in learner's dashboard: enrolments past and upcoming,
/// certificates, and the calendar feed.
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
    match auth::maybe_signed_in().await? {
        Some(user) => Ok(request::state().enrolments.places_in_course(&user, &slug).await?),
        None => Ok(Vec::new()),
    }
}
