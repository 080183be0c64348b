//! `/account`: the learner's courses. Where login lands: upcoming seats,
//! waitlist places with their position, and a way to cancel each.

use super::mine::AccountPage;
use crate::components::form::{FormAlert, last_error};
use crate::components::loaded::Loaded;
use crate::model::enrolment::{EnrolmentStatus, MyEnrolment};
use crate::server_fns::enrolment::{CancelEnrolment, get_my_enrolments};
use leptos::prelude::*;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let cancel = ServerAction::<CancelEnrolment>::new();
    // Loaded again after each cancellation, which stays on this page.
    let mine = Resource::new(move || cancel.version().get(), |_| get_my_enrolments());
    let error = last_error(cancel);
    view! {
        <AccountPage title="Your courses" path="/account">
            <FormAlert error/>
            <Loaded data=mine render=move |mine| view! { <Enrolments mine cancel/> }/>
        </AccountPage>
    }
}

#[component]
fn Enrolments(mine: Vec<MyEnrolment>, cancel: ServerAction<CancelEnrolment>) -> impl IntoView {
    if mine.is_empty() {
        return view! {
            <section class="empty-state">
                <h2>"No courses yet"</h2>
                <p>"When you enrol in a session, or join its waitlist, it shows here."</p>
                <p><a class="button-link" href="/courses">"Find a course"</a></p>
            </section>
        }
        .into_any();
    }
    let (confirmed, waitlisted): (Vec<_>, Vec<_>) =
        mine.into_iter().filter(|e| e.upcoming).partition(|e| e.status == EnrolmentStatus::Confirmed);
    let list = |items: Vec<MyEnrolment>| {
        items
            .into_iter()
            .map(|e| {
                let href = format!("/courses/{}", e.course_slug);
                let status = match e.waitlist_position {
                    Some(position) => format!("On the waitlist, position {position}"),
                    None => "Seat confirmed".to_string(),
                };
                let label = format!("Cancel {} on {}", e.course_title, e.when);
                view! {
                    <li class="enrolment">
                        <h3><a href=href>{e.course_title.clone()}</a></h3>
                        <p><time datetime=e.starts_at.clone()>{e.when.clone()}</time>" · "{e.place.clone()}</p>
                        <p class="muted">{status}</p>
                        <ActionForm action=cancel attr:class="inline-form">
                            <input type="hidden" name="enrolment_id" value=e.id.to_string()/>
                            <button type="submit" class="button-quiet" aria-label=label>"Cancel"</button>
                        </ActionForm>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">"Upcoming"</h2>
            {if confirmed.is_empty() {
                view! { <p class="muted">"No confirmed seats ahead."</p> }.into_any()
            } else {
                view! { <ul class="enrolments">{list(confirmed)}</ul> }.into_any()
            }}
        </section>
        {(!waitlisted.is_empty()).then(|| view! {
            <section aria-labelledby="waitlist-heading">
                <h2 id="waitlist-heading">"On the waitlist"</h2>
                <ul class="enrolments">{list(waitlisted)}</ul>
            </section>
        })}
    }
    .into_any()
}
