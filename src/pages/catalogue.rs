//! `/courses`: search, filters, sort and pages. The URL holds the whole
//! query; the form is a plain GET form, so it works without JavaScript and
//! navigates in place when the app has hydrated.

use crate::components::course_card::CourseCard;
use crate::components::error_view::ErrorView;
use crate::components::pagination::Pagination;
use crate::model::catalogue::{CataloguePage, Facets};
use crate::model::query::{CatalogueQuery, Kind, Level, Mode, Sort};
use crate::server_fns::catalogue::search_courses;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::components::Form;
use leptos_router::hooks::use_location;

#[component]
pub fn CataloguePage() -> impl IntoView {
    let location = use_location();
    let page = Resource::new(move || location.search.get(), search_courses);
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading courses…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Results page/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Results(page: CataloguePage) -> impl IntoView {
    let query = page.query.clone();
    let pages = page.pages();
    let title = if query.q.is_empty() { "Courses".to_string() } else { format!("Courses matching “{}”", query.q) };
    let count = match page.total {
        0 => "No courses found".to_string(),
        1 => "1 course".to_string(),
        n if pages > 1 => format!("{n} courses · page {} of {pages}", query.page),
        n => format!("{n} courses"),
    };
    let notices = (!page.notices.is_empty()).then(|| {
        let items = page.notices.iter().map(|n| view! { <li>{n.message.clone()}</li> }).collect_view();
        view! {
            <div class="notices" role="status">
                <ul>{items}</ul>
            </div>
        }
    });
    let canonical = CatalogueQuery { page: query.page, per_page: query.per_page, ..CatalogueQuery::default() };
    let canonical = format!("{}{}", page.base_url, if query.has_filters() { query.href() } else { canonical.href() });
    let items = page.items.clone();
    let body = if items.is_empty() {
        view! { <EmptyState query=query.clone()/> }.into_any()
    } else {
        view! {
            <ul class="cards">
                {items.into_iter().map(|course| view! { <CourseCard course/> }).collect_view()}
            </ul>
            <Pagination query=query.clone() pages/>
        }
        .into_any()
    };
    view! {
        <Title text=format!("{title} · Lyceum")/>
        <Meta name="description" content="Search and filter IT and soft-skills courses: in person in Valletta and Sliema, or online."/>
        <Link rel="canonical" href=canonical/>
        {(!query.q.is_empty() || query.page > 1).then(|| view! { <Meta name="robots" content="noindex, follow"/> })}
        <div class="catalogue">
            <aside class="filters" aria-labelledby="filters-heading">
                <h2 id="filters-heading" class="visually-hidden">"Search and filters"</h2>
                <Filters query=query.clone() facets=page.facets.clone()/>
            </aside>
            <section class="results" aria-labelledby="results-heading">
                <h1 id="results-heading">{title}</h1>
                <p class="result-count" role="status">{count}</p>
                {notices}
                {body}
            </section>
        </div>
    }
}

#[component]
fn Filters(query: CatalogueQuery, facets: Facets) -> impl IntoView {
    let option = |value: String, label: String, selected: bool| {
        view! { <option value=value selected=selected>{label}</option> }
    };
    let categories = facets
        .categories
        .iter()
        .map(|c| option(c.slug.clone(), c.name.clone(), query.category.as_ref() == Some(&c.slug)))
        .collect_view();
    let locations = facets
        .locations
        .iter()
        .map(|l| option(l.slug.clone(), l.name.clone(), query.location.as_ref() == Some(&l.slug)))
        .collect_view();
    let kinds =
        Kind::ALL.iter().map(|k| option(k.as_str().into(), k.label().into(), query.kind == Some(*k))).collect_view();
    let modes =
        Mode::ALL.iter().map(|m| option(m.as_str().into(), m.label().into(), query.mode == Some(*m))).collect_view();
    let levels =
        Level::ALL.iter().map(|l| option(l.as_str().into(), l.label().into(), query.level == Some(*l))).collect_view();
    let sorts = Sort::ALL
        .iter()
        .map(|s| option(s.as_str().into(), s.label().into(), query.effective_sort() == *s))
        .collect_view();
    let date = |d: Option<crate::model::date::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <Form method="GET" action="/courses" attr:class="filter-form" attr:role="search">
            <div class="field">
                <label for="f-q">"Search"</label>
                <input id="f-q" type="search" name="q" value=query.q.clone() maxlength="200" placeholder="e.g. cloud security"/>
            </div>
            <div class="field">
                <label for="f-category">"Subject"</label>
                <select id="f-category" name="category">
                    <option value="">"All subjects"</option>
                    {categories}
                </select>
            </div>
            <div class="field">
                <label for="f-kind">"Type"</label>
                <select id="f-kind" name="kind">
                    <option value="">"IT and soft skills"</option>
                    {kinds}
                </select>
            </div>
            <div class="field">
                <label for="f-mode">"Mode"</label>
                <select id="f-mode" name="mode">
                    <option value="">"Online or in person"</option>
                    {modes}
                </select>
            </div>
            <div class="field">
                <label for="f-location">"Campus"</label>
                <select id="f-location" name="location">
                    <option value="">"Any campus"</option>
                    {locations}
                </select>
            </div>
            <div class="field">
                <label for="f-level">"Level"</label>
                <select id="f-level" name="level">
                    <option value="">"Any level"</option>
                    {levels}
                </select>
            </div>
            <fieldset class="field dates">
                <legend>"Starting between"</legend>
                <label for="f-from" class="visually-hidden">"From"</label>
                <input id="f-from" type="date" name="from" value=date(query.from)/>
                <label for="f-to" class="visually-hidden">"To"</label>
                <input id="f-to" type="date" name="to" value=date(query.to)/>
            </fieldset>
            <div class="field">
                <label for="f-sort">"Sort by"</label>
                <select id="f-sort" name="sort">{sorts}</select>
            </div>
            <div class="actions">
                <button type="submit">"Show courses"</button>
                <a href="/courses">"Clear all"</a>
            </div>
        </Form>
    }
}

#[component]
fn EmptyState(query: CatalogueQuery) -> impl IntoView {
    let broader = (query.has_filters() && !query.q.is_empty())
        .then(|| CatalogueQuery { q: query.q.clone(), ..CatalogueQuery::default() }.href());
    view! {
        <div class="empty-state">
            <h2>"No courses match"</h2>
            <p>"Try fewer words, another spelling, or remove a filter."</p>
            <ul>
                {broader.map(|href| view! { <li><a href=href>"Search all subjects, modes and dates for “"{query.q.clone()}"”"</a></li> })}
                <li><a href="/courses">"Browse every course"</a></li>
                <li><a href="/courses?sort=date">"See what starts soonest"</a></li>
            </ul>
        </div>
    }
}
