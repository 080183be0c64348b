//! Setting the HTTP status of the page being rendered. Only the server has
//! a response to set; in the browser this does nothing.

/// Sets the status code of the server-rendered response.
pub fn set_http_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code))
    {
        options.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// Marks the page as not to be kept by any cache, ours or the browser's:
/// for personal pages and pages whose URL holds a one-time token.
pub fn set_no_store() {
    #[cfg(feature = "ssr")]
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        options.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    }
}
