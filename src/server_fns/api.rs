//! `/api/docs`: the REST API's reference, read from its OpenAPI document.

use crate::error::AppError;
use crate::model::api_reference::ApiReference;
use leptos::prelude::*;

/// The reference. Anyone may read it.
#[server(prefix = "/rpc", endpoint = "api/reference")]
pub async fn get_api_reference() -> Result<ApiReference, AppError> {
    Ok(crate::server::api::reference::reference().clone())
}
