//! The signed-in user's own pages: `/account/profile`, `/account/settings`,
//! `/account/security` and `/account/data`.

use crate::components::form::{FormAlert, NoticeBanner, TextArea, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::model::account::{
    BIO_MAX, COMPANY_MAX, NAME_MAX, PASSWORD_MAX, PHONE_MAX, ProfileView, SessionInfo, SettingsView,
};
use crate::model::form::Field;
use crate::server_fns::account::{
    ChangePassword, DeleteAccount, EndSession, SaveProfile, SaveSettings, get_profile, get_sessions, get_settings,
};
use leptos::prelude::*;
use leptos_meta::Meta;

/// Tabs between the account pages.
#[component]
pub(super) fn AccountNav(current: &'static str) -> impl IntoView {
    let tabs = [
        ("/account", "Your courses"),
        ("/account/orders", "Orders"),
        ("/account/profile", "Profile"),
        ("/account/settings", "Settings"),
        ("/account/security", "Security"),
        ("/account/data", "Your data"),
    ];
    view! {
        <nav class="account-nav" aria-label="Account">
            <ul>
                {tabs
                    .into_iter()
                    .map(|(href, label)| {
                        view! { <li><a href=href aria-current=(href == current).then_some("page")>{label}</a></li> }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// The frame of every account page: title, tabs, notice, then the content.
#[component]
pub(super) fn AccountPage(title: &'static str, path: &'static str, children: Children) -> impl IntoView {
    set_no_store();
    view! {
        <PageTitle text=format!("{title} · Lyceum")/>
        <Meta name="robots" content="noindex"/>
        <section class="account">
            <h1>{title}</h1>
            <AccountNav current=path/>
            <NoticeBanner/>
            {children()}
        </section>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| get_profile());
    view! {
        <AccountPage title="Your profile" path="/account/profile">
            <Loaded data=profile render=move |profile| view! { <ProfileForm profile/> }/>
        </AccountPage>
    }
}

#[component]
fn ProfileForm(profile: ProfileView) -> impl IntoView {
    let action = ServerAction::<SaveProfile>::new();
    let error = last_error(action);
    view! {
        <FormAlert error/>
        <ActionForm action attr:class="stack-form" attr:novalidate="">
            <p class="muted">{format!("Signed in as {}", profile.email)}</p>
            <TextField field=Field::Name label="Full name" value=profile.name autocomplete="name" required=true maxlength=NAME_MAX error/>
            <TextField field=Field::Phone label="Phone" kind="tel" value=profile.phone autocomplete="tel" maxlength=PHONE_MAX hint="Kept encrypted; only used to reach you about your sessions." error/>
            <TextField field=Field::Company label="Company" value=profile.company autocomplete="organization" maxlength=COMPANY_MAX error/>
            <TextField field=Field::JobTitle label="Job title" value=profile.job_title autocomplete="organization-title" maxlength=COMPANY_MAX error/>
            <TextArea field=Field::Bio label="About you" value=profile.bio max=BIO_MAX error/>
            <button type="submit" disabled=move || action.pending().get()>"Save profile"</button>
        </ActionForm>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_settings());
    view! {
        <AccountPage title="Settings" path="/account/settings">
            <Loaded data=settings render=move |settings| view! { <SettingsForm settings/> }/>
        </AccountPage>
    }
}

#[component]
fn SettingsForm(settings: SettingsView) -> impl IntoView {
    let action = ServerAction::<SaveSettings>::new();
    let error = last_error(action);
    // Back after a failed post: what was chosen then (an unticked box sends nothing).
    let reminders =
        if error.came_back() { error.typed("notify_reminders").is_some() } else { settings.notify_reminders };
    view! {
        <FormAlert error/>
        <ActionForm action attr:class="stack-form" attr:novalidate="">
            <fieldset class="field">
                <legend>"E-mail me about"</legend>
                <div class="check">
                    <input type="checkbox" id="f-notify_reminders" name="notify_reminders" value="on" checked=reminders/>
                    <label for="f-notify_reminders">"Reminders before my sessions"</label>
                </div>
            </fieldset>
            <TextField field=Field::ReminderHours label="Remind me this many hours before a session" kind="number" value=settings.reminder_hours.to_string() hint="From 1 to 168 (a week)." error/>
            <button type="submit" disabled=move || action.pending().get()>"Save settings"</button>
        </ActionForm>
        <p class="muted">
            "We always e-mail you about your bookings themselves: a seat confirmed, a place on a waitlist, a seat \
             that frees up for you, a cancellation or a move. We send nothing else: no newsletters, no offers."
        </p>
        <p class="muted">{format!("Every date and time on this site is in {}, the academy's time zone.", settings.zone)}</p>
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let sessions = Resource::new(|| (), |_| get_sessions());
    let change = ServerAction::<ChangePassword>::new();
    let error = last_error(change);
    view! {
        <AccountPage title="Security" path="/account/security">
            <Loaded data=sessions render=move |sessions| view! {
                            <section>
                                <h2>"Change your password"</h2>
                                <p class="muted">"Every other session is logged out when you change it."</p>
                                <FormAlert error/>
                                <ActionForm action=change attr:class="stack-form" attr:novalidate="">
                                    <TextField field=Field::CurrentPassword label="Current password" kind="password" autocomplete="current-password" required=true maxlength=PASSWORD_MAX error/>
                                    <TextField field=Field::NewPassword label="New password" kind="password" autocomplete="new-password" required=true hint="At least 12 characters." maxlength=PASSWORD_MAX error/>
                                    <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
                                </ActionForm>
                            </section>
                            <Sessions sessions/>
                        }/>
            <super::second_factor::SecondFactor/>
            <super::tokens::ApiTokens/>
        </AccountPage>
    }
}

#[component]
fn Sessions(sessions: Vec<SessionInfo>) -> impl IntoView {
    let end = ServerAction::<EndSession>::new();
    let rows = sessions
        .into_iter()
        .map(|session| {
            let action = if session.current {
                view! { <strong class="this-device">"This device"</strong> }.into_any()
            } else {
                view! {
                    <ActionForm action=end>
                        <input type="hidden" name="handle" value=session.handle.clone()/>
                        <button type="submit" class="button-quiet">"Log out"</button>
                    </ActionForm>
                }
                .into_any()
            };
            view! {
                <tr>
                    <td data-label="Device">{session.device}</td>
                    <td data-label="Address">{session.ip}</td>
                    <td data-label="Logged in">{session.signed_in}</td>
                    <td data-label="Last active">{session.last_seen}</td>
                    <td class="row-actions">{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section>
            <h2>"Where you are logged in"</h2>
            <FormAlert error=last_error(end)/>
            <div class="table-scroll">
                <table class="sessions stack">
                    <thead>
                        <tr>
                            <th scope="col">"Device"</th>
                            <th scope="col">"Address"</th>
                            <th scope="col">"Logged in"</th>
                            <th scope="col">"Last active"</th>
                            <th scope="col"><span class="visually-hidden">"Action"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
pub fn DataPage() -> impl IntoView {
    // Only to know the visitor is signed in before offering anything.
    let profile = Resource::new(|| (), |_| get_profile());
    let delete = ServerAction::<DeleteAccount>::new();
    let error = last_error(delete);
    view! {
        <AccountPage title="Your data" path="/account/data">
            <Loaded data=profile render=move |_| view! {
                            <section>
                                <h2>"Download your data"</h2>
                                <p>"Everything Lyceum stores about you, as one JSON file: account, profile, settings, sessions, security events, enrolments and waitlist places with attendance and completion, certificates, your calendar address, orders with their invoices, credit notes and payments, and the enquiries you sent us."</p>
                                <p><a class="button-link" href="/account/data/export" download="lyceum-data.json">"Download my data"</a></p>
                            </section>
                            <section class="danger-zone">
                                <h2>"Delete your account"</h2>
                                <p>"Your personal data, and the enquiries you sent us from your account or its address, are removed and you are logged out everywhere. This cannot be undone. You can sign up again later with the same address."</p>
                                <p>"Kept without your name or address: an empty account record (its number, role and dates) and, pointing to it, a record of each of your enrolments (the session, when you enrolled, attendance and completion; all marked cancelled, and any seat you held goes to the waitlist), for the academy's counts; and your account's security events (what happened and when, not from where)."</p>
                                <p>"Kept with your name: the certificates already issued to you, so that they can still be verified. Each shows your name, and its signed credential carries your name and a salted hash of your e-mail address."</p>
                                <p>"Kept as tax law requires: the invoices and credit notes issued for your orders, with the billing details printed on them, and the payments against them. Seats you paid for and give up now are credited in full. The billing details of an order never invoiced are deleted."</p>
                                <FormAlert error/>
                                <ActionForm action=delete attr:class="stack-form" attr:novalidate="">
                                    <TextField field=Field::Password label="Your password, to confirm" kind="password" autocomplete="current-password" required=true maxlength=PASSWORD_MAX error/>
                                    <button type="submit" class="button-danger" disabled=move || delete.pending().get()>"Delete my account"</button>
                                </ActionForm>
                            </section>
                        }/>
        </AccountPage>
    }
}
