//! A course in a list of results.

use super::session_row::{SeatsLeft, SessionWhen};
use crate::model::catalogue::{CourseCard as Card, subject_art};
use leptos::prelude::*;

/// `first`: the first card of the page, whose picture is likely the largest
/// thing on a phone's first screen, so it loads at once and first; the
/// others load as they come into view.
///
/// The server renders each card once per content and copies the markup
/// into every page after that (`server::fragments`): a page of results is
/// mostly cards. The browser hydrates and renders `CardView` itself, whose
/// markup this is, so the two always agree.
#[component]
pub fn CourseCard(course: Card, #[prop(optional)] first: bool) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        leptos::tachys::html::InertElement::new(crate::server::fragments::card(course, first, render))
    }
    #[cfg(not(feature = "ssr"))]
    {
        view! { <CardView course first/> }
    }
}

/// The card's markup, escaped by the renderer like any other view.
#[cfg(feature = "ssr")]
fn render(course: Card, first: bool) -> String {
    view! { <CardView course first/> }.to_html()
}

#[component]
fn CardView(course: Card, first: bool) -> impl IntoView {
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::model::catalogue::SessionView;
    use crate::model::query::{Kind, Level, Mode};

    fn card(seats_left: i64) -> Card {
        Card {
            slug: "ethical-hacking".into(),
            title: "Ethical <Hacking> & \"Defence\"".into(),
            summary: "Break in, then lock up.".into(),
            category: "Cybersecurity".into(),
            category_slug: "cybersecurity".into(),
            kind: Kind::It,
            level: Level::Intermediate,
            duration_hours: 35,
            price: "€1,450 incl. VAT".into(),
            next_session: Some(SessionView {
                id: 7,
                starts_at: "2027-01-11T09:00:00+01:00".into(),
                ends_at: "2027-01-15T16:00:00+01:00".into(),
                when: "Mon 11 Jan 2027, 09:00–16:00".into(),
                mode: Mode::InPerson,
                location: Some("Sliema".into()),
                address: None,
                instructor: None,
                capacity: 12,
                seats_left,
                waitlist: 0,
            }),
        }
    }

    #[test]
    fn a_card_is_rendered_once_per_content() {
        let fresh = render(card(5), false);
        assert!(fresh.starts_with("<li class=\"card\">") && fresh.ends_with("</li>"), "{fresh}");
        assert!(fresh.contains("Ethical &lt;Hacking&gt; &amp; \"Defence\""), "{fresh}");
        assert_eq!(crate::server::fragments::card(card(5), false, render), fresh);
        // Served from the cache: the same markup without rendering.
        assert_eq!(crate::server::fragments::card(card(5), false, |_, _| unreachable!()), fresh);
        // Other seats, or the first card's eager picture, are other markup.
        let fuller = crate::server::fragments::card(card(1), false, render);
        assert!(fuller.contains("1 seat left") && !fresh.contains("1 seat left"));
        let first = crate::server::fragments::card(card(5), true, render);
        assert!(first.contains("loading=\"eager\"") && fresh.contains("loading=\"lazy\""));
    }
}
