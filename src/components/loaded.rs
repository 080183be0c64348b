//! What every page does with the data it loads: waits for it (with a
//! short note, or keeping the old content in place while new data comes),
//! shows it, shows the error view when it failed, and sends a visitor who
//! must sign in first to the login page, to come back here after.

use super::error_view::ErrorView;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;
use serde::{Serialize, de::DeserializeOwned};
use std::sync::Arc;

/// The resource of a page: a server function's answer, serialised with the
/// page so the browser does not ask again when it hydrates.
pub type PageData<T> = Resource<Result<T, AppError>>;

/// Shows `render(data)` once `data` has loaded. With `keep_previous`, the
/// previous content stays on screen while new data loads (the catalogue,
/// whose query changes in place); otherwise `loading` is shown.
#[component]
pub fn Loaded<T, V, R>(
    data: PageData<T>,
    render: R,
    #[prop(default = "Loading…")] loading: &'static str,
    #[prop(optional)] keep_previous: bool,
) -> impl IntoView
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    V: IntoView + 'static,
    R: Fn(T) -> V + Send + Sync + 'static,
{
    let render = Arc::new(render);
    let location = use_location();
    let content = move || {
        let render = render.clone();
        Suspend::new(async move {
            match data.await {
                Ok(data) => render(data).into_any(),
                Err(AppError::Unauthorized) => {
                    // The login form takes only local paths back (`safe_next`).
                    let here = location.pathname.get_untracked();
                    view! { <Redirect path=format!("/login?next={here}")/> }.into_any()
                }
                // Staff without a second factor set one up before anything else.
                Err(AppError::SecondFactorRequired) => {
                    view! { <Redirect path="/account/security/authenticator"/> }.into_any()
                }
                Err(error) => view! { <ErrorView error/> }.into_any(),
            }
        })
    };
    let fallback = move || view! { <p class="loading">{loading}</p> };
    if keep_previous {
        view! { <Transition fallback>{content}</Transition> }.into_any()
    } else {
        view! { <Suspense fallback>{content}</Suspense> }.into_any()
    }
}
