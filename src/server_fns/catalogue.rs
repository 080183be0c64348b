//! The public catalogue. Anyone may read it, so there is no caller to check:
//! each function asks the catalogue and presents its answer for the page.

use crate::error::AppError;
use crate::model::catalogue::{CataloguePage, CourseDetail, HomeData, SiteInfo};
use leptos::prelude::*;

/// How pages present the catalogue's values on this server.
#[cfg(feature = "ssr")]
fn presenter(state: &crate::server::AppState) -> crate::server::present::Presenter<'_> {
    crate::server::present::Presenter::of(&state.config)
}

/// The catalogue page for a raw `/courses` query string.
#[server(prefix = "/rpc", endpoint = "catalogue/search")]
pub async fn search_courses(query: String) -> Result<CataloguePage, AppError> {
    let state = expect_context::<crate::server::AppState>();
    let results = state.catalogue.search(&query).await?;
    Ok(presenter(&state).search_page(results))
}

/// One published course; `NotFound` for anything else.
#[server(prefix = "/rpc", endpoint = "catalogue/course")]
pub async fn get_course(slug: String) -> Result<CourseDetail, AppError> {
    let state = expect_context::<crate::server::AppState>();
    match state.catalogue.course(&slug).await? {
        Some(course) => Ok(presenter(&state).course_page(&course)),
        None => Err(crate::server::error::Error::NotFound.into()),
    }
}

/// The academy's campuses and contact details, for every page's footer.
#[server(prefix = "/rpc", endpoint = "catalogue/site")]
pub async fn get_site() -> Result<SiteInfo, AppError> {
    let state = expect_context::<crate::server::AppState>();
    let facets = state.catalogue.facets().await?;
    // The contact details are the academy's settings, which staff edit.
    let academy = state.catalogue.academy().await?;
    Ok(SiteInfo {
        academy: state.config.academy_name.clone(),
        campuses: facets.locations.clone(),
        phone: academy.phone.clone(),
        email: academy.email.clone(),
        hours: academy.opening_hours.clone(),
    })
}

#[server(prefix = "/rpc", endpoint = "catalogue/home")]
pub async fn get_home() -> Result<HomeData, AppError> {
    let state = expect_context::<crate::server::AppState>();
    let home = state.catalogue.home().await?;
    Ok(presenter(&state).home_page(&home))
}
