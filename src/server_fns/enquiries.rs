//! Enquiries: the contact form, which anyone may send, and the back
//! office's inbox. Who may do what is the domain's to check
//! (`server::enquiries`): these functions say who is calling, call it,
//! and present its answer.

use crate::error::AppError;
use crate::model::enquiry::{ContactForm, EnquiryView, Inbox};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{audit::Actor, auth, present::Presenter, request};

/// The contact form: the courses to ask about (`course` chosen beforehand
/// when it is one of them), and the signed-in visitor's name and address.
#[server(prefix = "/rpc", endpoint = "enquiries/form")]
pub async fn get_contact_form(course: Option<String>) -> Result<ContactForm, AppError> {
    let state = request::state();
    let courses = state.enquiries.offered().await?;
    let course = course.filter(|slug| courses.iter().any(|c| &c.slug == slug)).unwrap_or_default();
    let viewer = auth::maybe_signed_in().await?;
    Ok(ContactForm {
        courses: courses.into_iter().map(|c| (c.slug, c.title)).collect(),
        course,
        name: viewer.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
        email: viewer.map(|v| v.email).unwrap_or_default(),
    })
}

/// Sends an enquiry. `website` is the form's trap: people leave it empty.
#[server(prefix = "/rpc", endpoint = "enquiries/send")]
pub async fn send_enquiry(
    name: String,
    email: String,
    phone: String,
    course: String,
    message: String,
    website: Option<String>,
) -> Result<(), AppError> {
    use crate::server::enquiries::commands::EnquiryForm;
    let state = request::state();
    let sender = auth::maybe_signed_in().await?;
    let form = EnquiryForm { name, email, phone, course, message, website: website.unwrap_or_default() };
    state.enquiries.submit(&request::client(), sender.as_ref(), &form).await?;
    leptos_axum::redirect("/contact?notice=enquiry-sent");
    Ok(())
}

/// A page of the inbox for a raw `/admin/enquiries` query string.
#[server(prefix = "/rpc", endpoint = "admin/enquiries/list")]
pub async fn get_inbox(query: String) -> Result<Inbox, AppError> {
    use crate::model::enquiry::InboxQuery;
    let (state, _, user) = auth::signed_in().await?;
    let query = InboxQuery::from_query_string(&query);
    let page = state.enquiries.inbox(&user, &query).await?;
    Ok(Presenter::of(&state.config).inbox(page, query))
}

#[server(prefix = "/rpc", endpoint = "admin/enquiries/one")]
pub async fn get_enquiry(id: i64) -> Result<EnquiryView, AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let enquiry = state.enquiries.enquiry(&user, id).await?;
    let staff = state.enquiries.staff(&user).await?;
    Ok(Presenter::of(&state.config).enquiry(enquiry, staff))
}

/// Sets an enquiry's status and assignee; `version` is the one the page read.
#[server(prefix = "/rpc", endpoint = "admin/enquiries/state")]
pub async fn set_enquiry_state(id: i64, version: i64, status: String, assignee: String) -> Result<(), AppError> {
    use crate::server::enquiries::commands::StateForm;
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    let form = StateForm { version, status, assignee };
    state.enquiries.set_state(Actor { user: &user, client: &client }, id, &form).await?;
    leptos_axum::redirect(&format!("/admin/enquiries/{id}?notice=saved"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/enquiries/note")]
pub async fn add_enquiry_note(id: i64, note: String) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    state.enquiries.add_note(Actor { user: &user, client: &client }, id, &note).await?;
    leptos_axum::redirect(&format!("/admin/enquiries/{id}?notice=note-added#notes"));
    Ok(())
}

/// Replies to the sender by e-mail and marks the enquiry answered.
#[server(prefix = "/rpc", endpoint = "admin/enquiries/reply")]
pub async fn reply_to_enquiry(id: i64, version: i64, reply: String) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    state.enquiries.reply(Actor { user: &user, client: &client }, id, version, &reply).await?;
    leptos_axum::redirect(&format!("/admin/enquiries/{id}?notice=reply-sent#notes"));
    Ok(())
}
