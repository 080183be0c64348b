//! The frame around every page: skip link, header with navigation, footer.

use crate::components::contact::SiteContact;
use crate::model::account::{Role, Viewer};
use crate::server_fns::account::{Logout, get_viewer};
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
                        <NavLink href="/courses?kind=it" label="IT" class="nav-extra"/>
                        <NavLink href="/courses?kind=soft-skills" label="Soft skills" class="nav-extra"/>
                    </ul>
                </nav>
                <AccountLinks/>
            </div>
        </header>
        <main id="main" class="wrap" tabindex="-1">{children()}</main>
        <Footer/>
    }
}

/// Where the academy is and how to reach it, and its own pages.
#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="wrap footer-grid">
                <section aria-labelledby="footer-about">
                    <h2 id="footer-about" class="footer-heading">"Lyceum"</h2>
                    <p>"IT and soft-skills courses in Valletta, Sliema and online, with certificates anyone can check."</p>
                </section>
                <section aria-labelledby="footer-visit">
                    <h2 id="footer-visit" class="footer-heading">"Visit or call"</h2>
                    <SiteContact/>
                </section>
                <nav aria-labelledby="footer-more">
                    <h2 id="footer-more" class="footer-heading">"More"</h2>
                    <ul class="footer-links">
                        <li><a href="/courses">"All courses"</a></li>
                        <li><a href="/certificates">"Verify a certificate"</a></li>
                        <li><a href="/contact">"Contact us"</a></li>
                        <li><a href="/terms">"Terms of booking"</a></li>
                        <li><a href="/privacy">"Privacy notice"</a></li>
                        <li><a href="/api/docs">"API for partners"</a></li>
                        <li><a href="/sitemap.xml">"Sitemap"</a></li>
                    </ul>
                </nav>
            </div>
        </footer>
    }
}

/// A navigation link marked as the current page when it is.
#[component]
fn NavLink(
    href: &'static str,
    label: &'static str,
    /// `nav-extra`: left out where the header would not fit one row.
    #[prop(optional)]
    class: &'static str,
) -> impl IntoView {
    let location = use_location();
    let current = move || {
        let here = match location.search.get().as_str() {
            "" => location.pathname.get(),
            search => format!("{}?{search}", location.pathname.get()),
        };
        (here == href).then_some("page")
    };
    view! {
        <li class=class><a href=href aria-current=current>{label}</a></li>
    }
}

/// Log in and sign up, or the signed-in user's account and log out. Asked
/// again on every navigation, so logging in or out shows at once.
#[component]
fn AccountLinks() -> impl IntoView {
    let location = use_location();
    let viewer = Resource::new(move || location.pathname.get(), |_| get_viewer());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(viewer)) => view! { <SignedIn viewer/> }.into_any(),
                    _ => view! {
                        <ul class="account-links">
                            <li><a href="/login">"Log in"</a></li>
                            <li><a class="button-link" href="/signup">"Sign up"</a></li>
                        </ul>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SignedIn(viewer: Viewer) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <ul class="account-links">
            {viewer.role.includes(Role::Staff).then(|| view! { <li><a href="/admin">"Back office"</a></li> })}
            {viewer.role.includes(Role::Instructor).then(|| view! { <li><a href="/admin/sessions">"Rosters"</a></li> })}
            <li><a class="account-name" href="/account" title=viewer.email.clone()>{viewer.name.clone()}</a></li>
            <li>
                <ActionForm action=logout>
                    <button type="submit" class="button-quiet">"Log out"</button>
                </ActionForm>
            </li>
        </ul>
    }
}
