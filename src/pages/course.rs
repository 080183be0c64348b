//! `/courses/{slug}`: the whole course and its upcoming sessions.

use crate::components::loaded::Loaded;
use crate::components::session_row::{SeatsLeft, SessionWhen};
use crate::components::verbatim::PageTitle;
use crate::model::catalogue::{CourseDetail, subject_art};
use crate::server_fns::catalogue::get_course;
use crate::server_fns::enrolment::get_my_places;
use leptos::prelude::*;
use leptos_meta::{Link, Meta};
use leptos_router::hooks::use_params_map;

#[component]
pub fn CoursePage() -> impl IntoView {
    let params = use_params_map();
    let course = Resource::new(move || params.read().get("slug").unwrap_or_default(), get_course);
    view! { <Loaded data=course loading="Loading course…" render=|course| view! { <Course course/> }/> }
}

#[component]
fn Course(course: CourseDetail) -> impl IntoView {
    // Where the visitor stands in each date, asked apart from the course
    // (the same for everyone, and cached). "Add to calendar" is offered
    // once a date is booked, on the account page, never before.
    let slug = course.slug.clone();
    let places = Resource::new(move || slug.clone(), get_my_places);
    let sessions = if course.sessions.is_empty() {
        view! {
            <p class="muted">"No dates are scheduled yet. New dates are added every few weeks."</p>
        }
        .into_any()
    } else {
        let dates_label = format!("Dates ({})", course.zone);
        let rows = course
            .sessions
            .iter()
            .cloned()
            .map(|session| {
                let place = session.place();
                let instructor = session.instructor.clone().unwrap_or_default();
                let (button, label) = if session.is_full() {
                    ("Join the waitlist", format!("Join the waitlist for {}", session.when))
                } else {
                    ("Book", format!("Book the session of {}", session.when))
                };
                let (id, when) = (session.id, session.when.clone());
                let dates = dates_label.clone();
                let action = move || {
                    let (when, label) = (when.clone(), label.clone());
                    Suspend::new(async move {
                        let held = places.await.unwrap_or_default().into_iter().find(|p| p.session_id == id);
                        match held {
                            Some(place) => view! {
                                <span class="held">{place.text}</span>
                                " "
                                <a href="/account" aria-label=format!("Manage your place on {when}")>"Manage"</a>
                            }
                            .into_any(),
                            None => view! { <a class="button-link" href=format!("/book/{id}") aria-label=label>{button}</a> }
                                .into_any(),
                        }
                    })
                };
                view! {
                    <tr>
                        <td data-label=dates><SessionWhen session=session.clone()/></td>
                        <td data-label="Where">
                            {place}
                            {session.address.clone().map(|address| view! { <span class="address">{address}</span> })}
                        </td>
                        <td data-label="Instructor">{instructor}</td>
                        <td data-label="Seats"><SeatsLeft session/></td>
                        <td class="row-actions">
                            <Transition fallback=|| ()>{action}</Transition>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll">
                <table class="sessions stack">
                    <caption class="visually-hidden">"Upcoming sessions"</caption>
                    <thead>
                        <tr>
                            <th scope="col">{dates_label}</th>
                            <th scope="col">"Where"</th>
                            <th scope="col">"Instructor"</th>
                            <th scope="col">"Seats"</th>
                            <th scope="col"><span class="visually-hidden">"Book"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let outcomes = course.outcomes.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view();
    let description = view! { <div class="course-text" inner_html=course.description_html.clone()></div> };
    let instructor = course.instructor.clone().map(|i| {
        view! {
            <section class="instructor" aria-labelledby="instructor-heading">
                <h2 id="instructor-heading">"Your instructor"</h2>
                <p class="instructor-name">{i.name}</p>
                <p class="muted">{i.title}</p>
                <p>{i.bio}</p>
            </section>
        }
    });
    let prerequisites = (!course.prerequisites.is_empty()).then(|| {
        view! {
            <section aria-labelledby="prereq-heading">
                <h2 id="prereq-heading">"Before you join"</h2>
                <p>{course.prerequisites.clone()}</p>
            </section>
        }
    });
    let language = match course.language.as_str() {
        "en" => "English".to_string(),
        "mt" => "Maltese".to_string(),
        other => other.to_string(),
    };
    view! {
        <PageTitle text=format!("{} · Lyceum", course.title)/>
        <Meta name="description" content=course.summary.clone()/>
        <Link rel="canonical" href=course.canonical_url.clone()/>
        <script type="application/ld+json" inner_html=course.json_ld.clone()></script>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li><a href="/courses">"Courses"</a></li>
                <li><a href=format!("/courses?category={}", course.category_slug)>{course.category.clone()}</a></li>
                <li><span aria-current="page">{course.title.clone()}</span></li>
            </ol>
        </nav>
        <article class="course">
            <header class="course-header">
                <img class="course-art" src=subject_art(&course.category_slug) alt="" width="640" height="240" decoding="async"/>
                <h1>{course.title.clone()}</h1>
                <p class="lead">{course.summary.clone()}</p>
                <dl class="course-facts">
                    <div><dt>"Price"</dt><dd class="price">{course.price.clone()} <span class="vat">{course.vat.clone()}</span></dd></div>
                    <div><dt>"Duration"</dt><dd>{format!("{} hours", course.duration_hours)}</dd></div>
                    <div><dt>"Level"</dt><dd>{course.level.label()}</dd></div>
                    <div><dt>"Language"</dt><dd>{language}</dd></div>
                    <div><dt>"Certificate"</dt><dd>{if course.awards_certificate { "Yes, on completion" } else { "No" }}</dd></div>
                </dl>
                <p class="course-ask"><a href=format!("/contact?course={}", course.slug)>"Ask about this course"</a></p>
            </header>
            <section aria-labelledby="sessions-heading">
                <h2 id="sessions-heading">"Upcoming sessions"</h2>
                {course.timetable.clone().map(|timetable| view! { <p class="timetable">{timetable}</p> })}
                {sessions}
            </section>
            <section aria-labelledby="about-heading">
                <h2 id="about-heading">"About this course"</h2>
                {description}
            </section>
            <section aria-labelledby="outcomes-heading">
                <h2 id="outcomes-heading">"What you will be able to do"</h2>
                <ul class="outcomes">{outcomes}</ul>
            </section>
            {prerequisites}
            {instructor}
        </article>
    }
}
