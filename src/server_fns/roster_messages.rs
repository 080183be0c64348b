//! Staff writing to a session's learners from its roster. The domain
//! (`server::enrolment::messages`) checks who asks and what may be sent.

use crate::error::AppError;
use leptos::prelude::*;

/// Sends `body` to the session's confirmed learners, and to its waitlist
/// when the box is ticked (`waitlist` is sent only then).
#[server(prefix = "/rpc", endpoint = "admin/sessions/message")]
pub async fn message_session_learners(session_id: i64, body: String, waitlist: Option<String>) -> Result<(), AppError> {
    use crate::server::audit::Actor;
    use crate::server::enrolment::MessageToSession;
    use crate::server::{auth, request};
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    let message = MessageToSession { body, waitlist: waitlist.is_some() };
    state.enrolments.message_session(Actor { user: &user, client: &client }, session_id, message).await?;
    leptos_axum::redirect(&format!("/admin/sessions/{session_id}?notice=messaged"));
    Ok(())
}
