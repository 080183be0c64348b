//! Lyceum: the web platform a training academy runs on.
//!
//! Shared by both builds: the app (`app`, `pages`, `components`), the plain
//! data and rules (`model`), the error a visitor sees (`error`) and the
//! server functions' signatures (`server_fns`). The server alone compiles
//! `server`; the browser alone compiles `hydrate`.

// The pages' view types nest deeply when components are not erased (the
// release build).
#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
pub mod server_fns;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the browser bundle: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Tells tests (and curious humans) that the page is now interactive.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
