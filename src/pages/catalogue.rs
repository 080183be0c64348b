//! `/courses`: search, filters, sort and pages. The URL holds the whole
//! query; the form is a plain GET form, so it works without JavaScript and
//! navigates in place when the app has hydrated.

use crate::components::course_card::CourseCard;
use crate::components::kept::Kept;
use crate::components::loaded::Loaded;
use crate::components::pagination::Pagination;
use crate::components::verbatim::PageTitle;
use crate::model::catalogue::{CataloguePage, Facets, group_digits};
use crate::model::form::ChoiceList;
use crate::model::query::{CatalogueQuery, Kind, Level, Mode, Sort};
use crate::server_fns::catalogue::search_courses;
use leptos::prelude::*;
use leptos_meta::{Link, Meta};
use leptos_router::hooks::{use_location, use_navigate};

#[component]
pub fn CataloguePage() -> impl IntoView {
    let location = use_location();
    let page = Resource::new(move || location.search.get(), search_courses);
    view! {
        <Loaded data=page loading="Loading courses…" keep_previous=true render=|page| view! { <Results page/> }/>
    }
}

#[component]
fn Results(page: CataloguePage) -> impl IntoView {
    let query = page.query.clone();
    let pages = page.pages();
    let title = page.heading();
    let count = page.count_text();
    let window = page.more.then(|| {
        view! {
            <p class="result-window">
                {format!("Showing the {} newest matches, best first. ", group_digits(page.total))}
                "Add a word or a filter to narrow the search."
            </p>
        }
    });
    let some_words = page.some_words.then(|| {
        view! {
            <p class="result-window">
                {format!("No course has all of “{}”, so these have some of the words, best first.", query.q)}
            </p>
        }
    });
    let notices = (!page.notices.is_empty()).then(|| {
        let items = page.notices.iter().map(|n| view! { <li>{n.message.clone()}</li> }).collect_view();
        view! {
            <div class="notices" role="status">
                <ul>{items}</ul>
            </div>
        }
    });
    let chips = page.chips();
    let chips = (!chips.is_empty()).then(|| {
        let clear_all =
            (chips.len() > 1).then(|| view! { <li><a class="chip-clear" href="/courses">"Clear all"</a></li> });
        view! {
            <ul class="chips" aria-label="Filters in force">
                {chips
                    .into_iter()
                    .map(|chip| {
                        let label = format!("Remove {}", chip.label);
                        view! {
                            <li>
                                <a class="chip" href=chip.href aria-label=label>
                                    {chip.label}
                                    <span class="chip-x" aria-hidden="true">"×"</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
                {clear_all}
            </ul>
        }
        .into_any()
    });
    let canonical = CatalogueQuery { page: query.page, per_page: query.per_page, ..CatalogueQuery::default() };
    let canonical = format!("{}{}", page.base_url, if query.has_filters() { query.href() } else { canonical.href() });
    let items = page.items.clone();
    let body = if let Some(last) = page.past_the_end() {
        view! {
            <div class="empty-state">
                <h2>{format!("There is no page {}", query.page)}</h2>
                <p>{format!("These results fill {pages} {}.", if pages == 1 { "page" } else { "pages" })}</p>
                <p><a href=last>{format!("Go to the last page, page {pages}")}</a></p>
            </div>
        }
        .into_any()
    } else if items.is_empty() {
        view! { <EmptyState query=query.clone()/> }.into_any()
    } else {
        view! {
            <ul class="cards">
                {items.into_iter().enumerate().map(|(i, course)| view! { <CourseCard course first=i == 0/> }).collect_view()}
            </ul>
            <Pagination query=query.clone() pages/>
        }
        .into_any()
    };
    view! {
        <PageTitle text=format!("{title} · Lyceum")/>
        <Meta name="description" content="Search and filter IT and soft-skills courses: in person in Valletta and Sliema, or online."/>
        <Link rel="canonical" href=canonical/>
        {(!query.q.is_empty() || query.page > 1).then(|| view! { <Meta name="robots" content="noindex, follow"/> })}
        <div class="catalogue">
            <aside class="filters" aria-labelledby="filters-heading">
                <h2 id="filters-heading" class="visually-hidden">"Search and filters"</h2>
                <Filters query=query.clone() facets=page.facets.clone()/>
            </aside>
            <section class="results" aria-labelledby="results-heading">
                <h1 id="results-heading" tabindex="-1">{title}</h1>
                {chips}
                <p class="result-count" role="status">{count}</p>
                {window}
                {some_words}
                {notices}
                {body}
            </section>
        </div>
    }
}

/// A labelled `<select>` whose first option ("any") sends nothing.
///
/// Every catalogue page shows six of these in a few variants each (which
/// choice is selected), so the server renders each variant once and copies
/// its markup after (`server::fragments`); the browser hydrates and renders
/// `SelectView` itself, whose markup this is.
#[component]
fn SelectField(
    name: &'static str,
    label: &'static str,
    /// The label of the empty choice; `None` when a value is required.
    any: Option<&'static str>,
    /// (value, label, selected) of each choice.
    choices: Vec<(String, String, bool)>,
) -> impl IntoView {
    let field = ChoiceList { name, label, any, choices };
    #[cfg(feature = "ssr")]
    {
        fn render(field: &ChoiceList) -> String {
            view! { <SelectView field=field.clone()/> }.to_html()
        }
        leptos::tachys::html::InertElement::new(crate::server::fragments::choices(field, render))
    }
    #[cfg(not(feature = "ssr"))]
    {
        view! { <SelectView field/> }
    }
}

#[component]
fn SelectView(field: ChoiceList) -> impl IntoView {
    let ChoiceList { name, label, any, choices } = field;
    let id = format!("f-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                {any.map(|any| view! { <option value="">{any}</option> })}
                {choices
                    .into_iter()
                    .map(|(value, label, selected)| view! { <option value=value selected=selected prop:selected=Kept(selected)>{label}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

#[component]
fn Filters(query: CatalogueQuery, facets: Facets) -> impl IntoView {
    fn choices<T: Copy + PartialEq>(
        all: &[T],
        current: Option<T>,
        text: impl Fn(T) -> (&'static str, &'static str),
    ) -> Vec<(String, String, bool)> {
        all.iter().map(|&v| (text(v).0.to_string(), text(v).1.to_string(), current == Some(v))).collect()
    }
    let categories = facets
        .categories
        .iter()
        .map(|c| (c.slug.clone(), c.name.clone(), query.category.as_ref() == Some(&c.slug)))
        .collect();
    let locations = facets
        .locations
        .iter()
        .map(|l| (l.slug.clone(), l.name.clone(), query.location.as_ref() == Some(&l.slug)))
        .collect();
    let kinds = choices(Kind::ALL, query.kind, |k| (k.as_str(), k.label()));
    let modes = choices(Mode::ALL, query.mode, |m| (m.as_str(), m.label()));
    let levels = choices(Level::ALL, query.level, |l| (l.as_str(), l.label()));
    let sorts = choices(Sort::ALL, Some(query.effective_sort()), |s| (s.as_str(), s.label()));
    let date = |d: Option<crate::model::date::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let active = [
        query.category.is_some(),
        query.kind.is_some(),
        query.mode.is_some(),
        query.location.is_some(),
        query.level.is_some(),
        query.from.is_some() || query.to.is_some(),
        query.sort.is_some(),
    ]
    .into_iter()
    .filter(|on| *on)
    .count();
    let navigate = use_navigate();
    let on_submit = move |ev| submit_in_place(ev, &|href| navigate(href, Default::default()));
    let summary = match active {
        0 => "Filters and sort".to_string(),
        n => format!("Filters and sort ({n} in use)"),
    };
    // Attributes for the page as sent; properties too, because when the
    // app shows other results (Back, a chip) it updates this form in place,
    // and a field someone typed in follows its property, not its attribute.
    // The properties are `Kept`: hydrating leaves what the visitor typed or
    // chose while the app was loading.
    view! {
        <form method="get" action="/courses" class="filter-form" role="search" autocomplete="off" on:submit=on_submit>
            <div class="field search-field">
                <label for="f-q">"Search courses"</label>
                <div class="search-row">
                    <input id="f-q" type="search" name="q" value=query.q.clone() prop:value=Kept(query.q.clone()) maxlength="200" placeholder="e.g. cloud security"/>
                    <button type="submit">"Search"</button>
                </div>
            </div>
            // Folded away on a phone, so the results come first; always
            // open on a wide screen (see the stylesheet).
            <details class="filter-panel">
                <summary>{summary}</summary>
                <div class="filter-fields">
                    <SelectField name="category" label="Subject" any=Some("All subjects") choices=categories/>
                    <SelectField name="kind" label="Type" any=Some("IT and soft skills") choices=kinds/>
                    <SelectField name="mode" label="Mode" any=Some("Online or in person") choices=modes/>
                    <SelectField name="location" label="Campus" any=Some("Any campus") choices=locations/>
                    <SelectField name="level" label="Level" any=Some("Any level") choices=levels/>
                    <fieldset class="field dates">
                        <legend>"Starting between"</legend>
                        <label for="f-from" class="visually-hidden">"From"</label>
                        <input id="f-from" type="date" name="from" value=date(query.from) prop:value=Kept(date(query.from))/>
                        <label for="f-to" class="visually-hidden">"To"</label>
                        <input id="f-to" type="date" name="to" value=date(query.to) prop:value=Kept(date(query.to))/>
                    </fieldset>
                    <SelectField name="sort" label="Sort by" any=None choices=sorts/>
                    <div class="actions">
                        <button type="submit">"Show courses"</button>
                        <a href="/courses">"Clear all"</a>
                    </div>
                </div>
            </details>
        </form>
    }
    // A type of its own: the page around it stays shallow enough to compile.
    .into_any()
}

/// Once the app runs, a search goes to the canonical address of what was
/// chosen (no empty fields), in place. Without JavaScript the browser
/// sends every field, and the server redirects to the same address.
fn submit_in_place(ev: leptos::ev::SubmitEvent, navigate: &dyn Fn(&str)) {
    use leptos::wasm_bindgen::JsCast;
    let Some(form) = ev.target().and_then(|target| target.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()) else {
        return;
    };
    let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else { return };
    ev.prevent_default();
    let values: Vec<(&str, String)> = CatalogueQuery::FORM_FIELDS
        .iter()
        .map(|name| (*name, data.get(name).as_string().unwrap_or_default()))
        .collect();
    let (query, _) = CatalogueQuery::from_pairs(values.iter().map(|(name, value)| (*name, value.as_str())));
    navigate(&query.href());
    show_results(&form);
}

/// Filters opened to choose them (on a phone) fold away once applied, and
/// the results take the focus, which brings them into view: a page sent
/// afresh without JavaScript starts that way too.
fn show_results(form: &leptos::web_sys::HtmlFormElement) {
    use leptos::wasm_bindgen::JsCast;
    let Ok(Some(panel)) = form.query_selector(".filter-panel[open]") else { return };
    let _ = panel.remove_attribute("open");
    if let Some(heading) = document()
        .get_element_by_id("results-heading")
        .and_then(|heading| heading.dyn_into::<leptos::web_sys::HtmlElement>().ok())
    {
        let _ = heading.focus();
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
                <li><a href="/courses">"See what starts soonest"</a></li>
            </ul>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn choices(selected: &str) -> Vec<(String, String, bool)> {
        [("cloud", "Cloud"), ("x\"><script>", "Data <&> \"analytics\"")]
            .into_iter()
            .map(|(value, label)| (value.to_string(), label.to_string(), value == selected))
            .collect()
    }

    #[test]
    fn a_list_of_choices_is_the_same_markup_rendered_or_copied() {
        let fresh = |selected: &str| {
            let field = ChoiceList {
                name: "category",
                label: "Subject",
                any: Some("All subjects"),
                choices: choices(selected),
            };
            view! { <SelectView field/> }.to_html()
        };
        let field = |selected: &str| {
            view! { <SelectField name="category" label="Subject" any=Some("All subjects") choices=choices(selected)/> }
                .to_html()
        };
        let none = fresh("");
        assert_eq!(field(""), none, "rendered the first time");
        assert_eq!(field(""), none, "copied after");
        assert!(none.contains("Data &lt;&amp;&gt; \"analytics\"") && none.contains("value=\"x&quot;"), "{none}");
        assert!(!none.contains(" selected"), "{none}");
        let cloud = field("cloud");
        assert_eq!(cloud, fresh("cloud"), "each variant is its own fragment");
        assert!(cloud.contains("<option value=\"cloud\" selected>"), "{cloud}");
    }
}
