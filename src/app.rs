//! The HTML shell and the one route table.

use crate::components::error_view::NotFound;
use crate::components::layout::Layout;
use crate::pages::{catalogue::CataloguePage, course::CoursePage, home::HomePage};
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every page renders completely on the server before it is sent
/// (`SsrMode::Async`): the page works without JavaScript, and its title and
/// meta tags are in the head where crawlers read them.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("courses") view=CataloguePage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("courses"), ParamSegment("slug")) view=CoursePage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
