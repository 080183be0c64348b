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

/// Sets the status of a page that shows `error`; with a rate limit's
/// refusal or a busy database also `Retry-After`, as every other answer carrying one has, so
/// a client (or a crawler) knows when to come back.
pub fn set_error_status(error: &crate::error::AppError) {
    set_http_status(error.status());
    #[cfg(feature = "ssr")]
    if let (
        crate::error::AppError::TooManyRequests { retry_after_secs }
        | crate::error::AppError::Unavailable { retry_after_secs },
        Some(options),
    ) = (error, leptos::prelude::use_context::<leptos_axum::ResponseOptions>())
    {
        options.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(*retry_after_secs));
    }
}

/// Marks the page as not to be kept by any cache, ours or the browser's:
/// for personal pages and pages whose URL holds a one-time token.
pub fn set_no_store() {
    #[cfg(feature = "ssr")]
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        options.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    }
}
