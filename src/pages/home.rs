//! `/`: search, categories and the next sessions.

use crate::components::loaded::Loaded;
use crate::components::session_row::{SeatsLeft, SessionWhen};
use crate::components::verbatim::PageTitle;
use crate::model::catalogue::{HomeData, subject_art};
use crate::model::query::Kind;
use crate::server_fns::catalogue::get_home;
use leptos::prelude::*;
use leptos_meta::{Link, Meta};

#[component]
pub fn HomePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_home());
    view! {
        <PageTitle text="Lyceum · IT and soft-skills courses in Malta and online"/>
        <Meta
            name="description"
            content="Courses in cloud, cybersecurity, data, programming, networking, project management, leadership and communication, in Valletta, Sliema and online."
        />
        <section class="hero">
            <div class="hero-text">
                <p class="eyebrow">"Training academy · Valletta · Sliema · Online"</p>
                <h1>"Learn the skills your next role asks for"</h1>
                <p class="lead">"IT and soft-skills courses in Malta and online, taught in small classes by people who do the work."</p>
                <form class="search-hero" method="get" action="/courses" role="search">
                    <label for="home-q" class="visually-hidden">"Search courses"</label>
                    <input id="home-q" type="search" name="q" placeholder="Search courses, e.g. cloud security" autocomplete="off"/>
                    <button type="submit">"Search"</button>
                </form>
                <ul class="trust" aria-label="Why learn with us">
                    <li>"Certificates anyone can check online"</li>
                    <li>"Exam preparation for AWS, Microsoft, CompTIA, ITIL® and PRINCE2®"</li>
                    <li>"Two campuses in the heart of Malta, or live online"</li>
                </ul>
            </div>
            <div class="hero-art" aria-hidden="true">
                {["cloud", "leadership", "cybersecurity", "presentation-skills"]
                    .map(|slug| view! { <img src=subject_art(slug) alt="" width="640" height="240" decoding="async"/> })
                    .into_iter()
                    .collect_view()}
            </div>
        </section>
        <Loaded data render=|home| view! { <HomeSections home/> }/>
    }
}

#[component]
fn HomeSections(home: HomeData) -> impl IntoView {
    let group = |kind: Kind| {
        home.categories
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| {
                view! {
                    <li>
                        <a href=format!("/courses?category={}", c.slug)>
                            <img class="cat-art" src=subject_art(&c.slug) alt="" width="640" height="240" loading="lazy" decoding="async"/>
                            <span class="cat-text">
                                <span class="cat-name">{c.name.clone()}</span>
                                <span class="cat-count">{format!("{} courses", c.courses)}</span>
                            </span>
                        </a>
                    </li>
                }
            })
            .collect_view()
    };
    let it = group(Kind::It);
    let soft = group(Kind::SoftSkills);
    let upcoming = home
        .upcoming
        .into_iter()
        .map(|u| {
            let place = u.session.place();
            view! {
                <li class="upcoming-item">
                    <a href=format!("/courses/{}", u.course_slug)>{u.course_title}</a>
                    <p>
                        <SessionWhen session=u.session.clone()/>
                        " · "
                        {place}
                    </p>
                    <p class="upcoming-facts">
                        <span class="upcoming-price">{u.price}</span>
                        <SeatsLeft session=u.session/>
                    </p>
                </li>
            }
        })
        .collect_view();
    view! {
        <Link rel="canonical" href=format!("{}/", home.base_url)/>
        <section class="categories" aria-labelledby="cat-heading">
            <h2 id="cat-heading">"Browse by subject"</h2>
            <div class="cat-groups">
                <div>
                    <h3><a href="/courses?kind=it">"IT"</a></h3>
                    <ul class="cat-list">{it}</ul>
                </div>
                <div>
                    <h3><a href="/courses?kind=soft-skills">"Soft skills"</a></h3>
                    <ul class="cat-list">{soft}</ul>
                </div>
            </div>
        </section>
        <section class="upcoming" aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">"Starting soon"</h2>
            <ul class="upcoming-list">{upcoming}</ul>
            <p><a class="button-link" href="/courses">"See all upcoming courses"</a></p>
        </section>
    }
}
