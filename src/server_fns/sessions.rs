//! Staff acting for a session's learners, from its roster: enrol someone
//! by e-mail address, cancel or move a seat, hand free seats to the
//! waitlist, move or cancel the whole session. Each calls the very
//! function a learner's own action calls (`server::enrolment`), with the
//! same seat and waitlist rules, and is recorded in the audit trail.

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{audit::Actor, auth, request};

#[cfg(feature = "ssr")]
fn back_to(session_id: i64, notice: &str) {
    leptos_axum::redirect(&format!("/admin/sessions/{session_id}?notice={notice}"));
}

#[server(prefix = "/rpc", endpoint = "admin/sessions/enrol")]
pub async fn enrol_by_email(session_id: i64, email: String) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    let enrolment = state.enrolments.enrol_address(Actor { user: &user, client: &client }, &email, session_id).await?;
    let notice = match enrolment.waitlist_position {
        Some(_) => "waitlisted-for",
        None => "enrolled-for",
    };
    back_to(session_id, notice);
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/enrolments/cancel")]
pub async fn cancel_seat(session_id: i64, enrolment_id: i64) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let client = request::client();
    state.enrolments.cancel(Actor { user: &user, client: &client }, enrolment_id).await?;
    back_to(session_id, "seat-cancelled");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/enrolments/move")]
pub async fn move_seat(session_id: i64, enrolment_id: i64, to_session_id: i64) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let client = request::client();
    state.enrolments.transfer(Actor { user: &user, client: &client }, enrolment_id, to_session_id).await?;
    back_to(session_id, "seat-moved");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/sessions/promote")]
pub async fn promote_waitlist(session_id: i64) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    state.enrolments.promote_waitlisted(Actor { user: &user, client: &client }, session_id).await?;
    back_to(session_id, "promoted");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/sessions/cancel")]
pub async fn cancel_whole_session(session_id: i64) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    state.enrolments.cancel_session(Actor { user: &user, client: &client }, session_id).await?;
    back_to(session_id, "session-cancelled");
    Ok(())
}

/// Moves the session to another day and times, in the academy's zone.
#[server(prefix = "/rpc", endpoint = "admin/sessions/move")]
pub async fn move_whole_session(
    session_id: i64,
    start_date: String,
    start_time: String,
    end_time: String,
) -> Result<(), AppError> {
    use crate::server::catalogue::{changes::NewTimes, schedule::instants};
    use crate::server::error::Error;
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let times = NewTimes::parse(&start_date, &start_time, &end_time)
        .map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    let (starts_at, ends_at) = instants(state.config.timezone, &times)?;
    let client = request::client();
    state.enrolments.move_session(Actor { user: &user, client: &client }, session_id, starts_at, ends_at).await?;
    back_to(session_id, "session-moved");
    Ok(())
}
