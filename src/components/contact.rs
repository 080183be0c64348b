//! Where the academy is and how to reach it: its campuses, phone, e-mail
//! and hours, as every page's footer and the contact page give them.

use crate::model::catalogue::SiteInfo;
use crate::server_fns::catalogue::get_site;
use leptos::prelude::*;

/// The academy's contact details, loaded from its settings and campuses.
#[component]
pub fn SiteContact() -> impl IntoView {
    let site = Resource::new(|| (), |_| get_site());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move { site.await.ok().map(|site| view! { <ContactDetails site/> }) })}
        </Suspense>
    }
}

/// The campuses with their addresses, the phone, the e-mail and the hours.
#[component]
fn ContactDetails(site: SiteInfo) -> impl IntoView {
    let mailto = format!("mailto:{}", site.email);
    let tel = format!("tel:{}", site.phone.replace(' ', ""));
    view! {
        <ul class="contact-list">
            {site
                .campuses
                .into_iter()
                .map(|campus| {
                    view! {
                        <li>
                            <strong>{campus.name}</strong>
                            <span>{campus.address}</span>
                        </li>
                    }
                })
                .collect_view()}
            <li><strong>"Phone"</strong><a href=tel>{site.phone}</a></li>
            <li><strong>"E-mail"</strong><a href=mailto>{site.email}</a></li>
            <li><strong>"Opening hours"</strong><span>{site.hours}</span></li>
        </ul>
    }
}
