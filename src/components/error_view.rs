//! What a visitor sees when a page cannot be shown.

use super::status::{set_error_status, set_http_status};
use crate::components::verbatim::PageTitle;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Meta;

#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    set_error_status(&error);
    match error {
        AppError::NotFound => view! { <NotFound/> }.into_any(),
        other => view! {
            <PageTitle text="Something went wrong · Lyceum"/>
            <section class="notice-page">
                <h1>"Something went wrong"</h1>
                <p>{other.to_string()}</p>
                <p><a href="/courses">"Back to the catalogue"</a></p>
            </section>
        }
        .into_any(),
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_http_status(404);
    view! {
        <PageTitle text="Page not found · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <section class="notice-page">
            <h1>"We could not find that page"</h1>
            <p>"The link may be out of date, or the course may no longer be offered."</p>
            <form class="search-inline" method="get" action="/courses" role="search">
                <label for="nf-q">"Search the catalogue"</label>
                <input id="nf-q" type="search" name="q" placeholder="e.g. cloud, leadership"/>
                <button type="submit">"Search"</button>
            </form>
            <p><a href="/">"Go to the home page"</a></p>
        </section>
    }
}
