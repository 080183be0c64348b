//! The frame around every page: skip link, header with navigation, footer.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <div class="wrap header-inner">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"L"</span>
                    <span class="brand-name">"Lyceum"</span>
                </a>
                <nav aria-label="Main">
                    <ul class="nav-list">
                        <NavLink href="/courses" label="Courses"/>
                        <NavLink href="/courses?kind=it" label="IT"/>
                        <NavLink href="/courses?kind=soft-skills" label="Soft skills"/>
                    </ul>
                </nav>
            </div>
        </header>
        <main id="main" class="wrap" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <div class="wrap footer-inner">
                <p>"Lyceum · IT and soft-skills training in Valletta, Sliema and online."</p>
                <ul class="footer-links">
                    <li><a href="/courses">"All courses"</a></li>
                    <li><a href="/sitemap.xml">"Sitemap"</a></li>
                </ul>
            </div>
        </footer>
    }
}

/// A navigation link marked as the current page when it is.
#[component]
fn NavLink(href: &'static str, label: &'static str) -> impl IntoView {
    let location = use_location();
    let current = move || {
        let here = match location.search.get().as_str() {
            "" => location.pathname.get(),
            search => format!("{}?{search}", location.pathname.get()),
        };
        (here == href).then_some("page")
    };
    view! {
        <li><a href=href aria-current=current>{label}</a></li>
    }
}
