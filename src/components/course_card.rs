//! A course in a list of results.

use super::session_row::{SeatsLeft, SessionWhen};
use crate::model::catalogue::{CourseCard as Card, subject_art};
use leptos::prelude::*;

/// `first`: the first card of the page, whose picture is likely the largest
/// thing on a phone's first screen, so it loads at once and first; the
/// others load as they come into view.
#[component]
pub fn CourseCard(course: Card, #[prop(optional)] first: bool) -> impl IntoView {
    let href = format!("/courses/{}", course.slug);
    let next = match course.next_session {
        Some(session) => view! {
            <p class="card-next">
                <span class="label">"Next: "</span>
                <SessionWhen session=session.clone()/>
                " · "
                {session.place()}
                " · "
                <SeatsLeft session/>
            </p>
        }
        .into_any(),
        None => view! { <p class="card-next muted">"No dates scheduled yet"</p> }.into_any(),
    };
    view! {
        <li class="card">
            <article>
                <img class="card-art" src=subject_art(&course.category_slug) alt="" width="640" height="240" loading=if first { "eager" } else { "lazy" } fetchpriority=first.then_some("high") decoding="async"/>
                <p class="card-category">
                    <a href=format!("/courses?category={}", course.category_slug)>{course.category}</a>
                </p>
                <h3 class="card-title"><a href=href>{course.title}</a></h3>
                <p class="card-summary">{course.summary}</p>
                <ul class="card-facts" aria-label="Course facts">
                    <li>{course.level.label()}</li>
                    <li>{format!("{} hours", course.duration_hours)}</li>
                    <li class="price">{course.price}</li>
                </ul>
                {next}
            </article>
        </li>
    }
}
