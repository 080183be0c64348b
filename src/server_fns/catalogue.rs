//! The public catalogue. Anyone may read it, so there is no caller to check.

use crate::error::AppError;
use crate::model::catalogue::{CataloguePage, CourseDetail, HomeData};
use leptos::prelude::*;

/// The catalogue page for a raw `/courses` query string.
#[server(prefix = "/rpc", endpoint = "catalogue/search")]
pub async fn search_courses(query: String) -> Result<CataloguePage, AppError> {
    let state = expect_context::<crate::server::AppState>();
    Ok(state.catalogue.search(&query).await?)
}

/// One published course; `NotFound` for anything else.
#[server(prefix = "/rpc", endpoint = "catalogue/course")]
pub async fn get_course(slug: String) -> Result<CourseDetail, AppError> {
    let state = expect_context::<crate::server::AppState>();
    match state.catalogue.course(&slug).await? {
        Some(course) => Ok((*course).clone()),
        None => Err(crate::server::error::Error::NotFound.into()),
    }
}

#[server(prefix = "/rpc", endpoint = "catalogue/home")]
pub async fn get_home() -> Result<HomeData, AppError> {
    let state = expect_context::<crate::server::AppState>();
    Ok((*state.catalogue.home().await?).clone())
}
