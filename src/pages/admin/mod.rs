//! The back office (`/admin`): staff run the academy from here. Every page
//! sits in [`AdminPage`], which gives it its title, the back office's tabs
//! and the notice a redirect left; the server functions behind the pages
//! check the caller's role, the pages only show what they are given.

pub mod audit;
pub mod courses;
pub mod dashboard;
pub mod enquiries;
pub mod import;
pub mod orders;
pub mod roster;
pub mod roster_message;
pub mod settings;
pub mod sign_in;
pub mod taxonomy;
pub mod users;
pub mod webhooks;

use crate::components::form::NoticeBanner;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use leptos::prelude::*;
use leptos_meta::Meta;

/// The back office's sections, as (path, label).
const SECTIONS: [(&str, &str); 9] = [
    ("/admin", "Dashboard"),
    ("/admin/courses", "Courses"),
    // Categories, campuses and instructors, one list each under this tab.
    (taxonomy::SECTION, "Academy data"),
    ("/admin/settings", "Settings"),
    ("/admin/sessions", "Rosters"),
    ("/admin/enquiries", "Enquiries"),
    ("/admin/orders", "Orders"),
    (crate::model::webhook::WEBHOOKS_PATH, "Webhooks"),
    ("/admin/audit", "Audit trail"),
];

/// Tabs between the back office's sections; `current` is the section's
/// path. Administrators have one more, the users'; the server refuses
/// everyone else there anyway, the tab only saves them a dead end.
#[component]
fn AdminNav(current: &'static str) -> impl IntoView {
    use crate::model::account::Role;
    use crate::model::users::USERS_PATH;
    let viewer = Resource::new(|| (), |_| crate::server_fns::account::get_viewer());
    let tab = move |href: &'static str, label: &'static str| {
        view! { <li><a href=href aria-current=(href == current).then_some("page")>{label}</a></li> }
    };
    view! {
        <nav class="account-nav admin-nav" aria-label="Back office">
            <ul>
                {SECTIONS.into_iter().map(|(href, label)| tab(href, label)).collect_view()}
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let admin = matches!(viewer.await, Ok(Some(v)) if v.role.includes(Role::Admin));
                        admin.then(|| tab(USERS_PATH, "Users"))
                    })}
                </Transition>
            </ul>
        </nav>
    }
}

/// The frame of every back-office page: title, tabs, notice, then the content.
#[component]
pub fn AdminPage(
    #[prop(into)] title: String,
    /// The section the page belongs to (a path in the tabs).
    section: &'static str,
    children: Children,
) -> impl IntoView {
    set_no_store();
    view! {
        <PageTitle text=format!("{title} · Back office · Lyceum")/>
        <Meta name="robots" content="noindex"/>
        <section class="account admin">
            <h1>{title}</h1>
            <AdminNav current=section/>
            <NoticeBanner/>
            {children()}
        </section>
    }
}
