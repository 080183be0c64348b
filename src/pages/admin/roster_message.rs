//! The roster's form for writing to a session's learners (staff): one
//! e-mail each, with what was typed as its text.

use crate::components::form::{FormAlert, TextArea, last_error};
use crate::model::enrolment::MESSAGE_MAX;
use crate::model::form::Field;
use crate::server_fns::roster_messages::MessageSessionLearners;
use leptos::prelude::*;

/// "Message the learners": a text, and whether the waitlist hears it too.
/// `online` says what the hint suggests writing.
#[component]
pub fn MessageLearners(session_id: i64, online: bool) -> impl IntoView {
    let action = ServerAction::<MessageSessionLearners>::new();
    let error = last_error(action);
    let hint = match online {
        true => "For example the link to join and its passcode. Each learner gets their own e-mail.",
        false => "For example a change of room, or how to find it. Each learner gets their own e-mail.",
    };
    let waitlist = error.came_back() && error.typed("waitlist").is_some();
    let form = NodeRef::<leptos::html::Form>::new();
    // Once a message is sent the form empties, so a second press does not
    // send the same text again; a refused one keeps what was typed. (Drawn
    // again instead, the form would keep the typed value in the browser.)
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(())))
            && let Some(form) = form.get_untracked()
        {
            form.reset();
        }
    });
    view! {
        <h2 id="message-heading">"Message the learners"</h2>
        <FormAlert error/>
        <ActionForm action node_ref=form attr:class="stack-form" attr:novalidate="" attr:aria-labelledby="message-heading">
            <input type="hidden" name="session_id" value=session_id.to_string()/>
            <TextArea field=Field::Body label="Message" value="" max=MESSAGE_MAX hint error/>
            <div class="check">
                <input type="checkbox" id="f-waitlist" name="waitlist" value="on" checked=waitlist/>
                <label for="f-waitlist">"Send it to those on the waitlist too"</label>
            </div>
            <button type="submit" disabled=move || action.pending().get()>"Send the message"</button>
        </ActionForm>
    }
}
