//! The way in: `/signup`, `/login`, `/verify-email`, `/forgot-password`
//! and `/reset-password`.

use crate::components::form::{FormAlert, NoticeBanner, TextField, last_error};
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::error::AppError;
use crate::model::account::{EMAIL_MAX, NAME_MAX, PASSWORD_MAX};
use crate::model::catalogue::ACADEMY_ART;
use crate::model::form::Field;
use crate::server_fns::account::{
    ForgotPassword, Login, ResendVerification, ResetPassword, Signup, VerifyEmail, get_check_email, reset_link_is_live,
};
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_query_map;

const PASSWORD_HINT: &str =
    "At least 12 characters. A few unrelated words make a strong password that is easy to remember.";

#[component]
pub fn SignupPage() -> impl IntoView {
    set_no_store();
    let action = ServerAction::<Signup>::new();
    let error = last_error(action);
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let login = move || match next() {
        next if next.is_empty() => "/login".to_string(),
        next => format!("/login?next={}", encode(&next)),
    };
    view! {
        <PageTitle text="Create an account · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <div class="entry">
        <section class="account-entry">
            <h1>"Create an account"</h1>
            <p class="lead">"Enrol on courses, keep track of your sessions and download your certificates."</p>
            <Booking next=next() lead="Create an account to book"/>
            <FormAlert error/>
            <ActionForm action attr:class="stack-form" attr:novalidate="">
                <input type="hidden" name="next" value=next/>
                <TextField field=Field::Name label="Full name" autocomplete="name" required=true maxlength=NAME_MAX error/>
                <TextField field=Field::Email label="E-mail address" kind="email" autocomplete="email" required=true maxlength=EMAIL_MAX error/>
                <TextField field=Field::Password label="Password" kind="password" autocomplete="new-password" required=true hint=PASSWORD_HINT maxlength=PASSWORD_MAX error/>
                <button type="submit" disabled=move || action.pending().get()>"Create account"</button>
            </ActionForm>
            <p>"Already have an account? " <a href=login>"Log in"</a></p>
        </section>
        <EntryAside/>
        </div>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    set_no_store();
    let action = ServerAction::<Login>::new();
    let error = last_error(action);
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let signup = move || match next() {
        next if next.is_empty() => "/signup".to_string(),
        next => format!("/signup?next={}", encode(&next)),
    };
    view! {
        <PageTitle text="Log in · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <div class="entry">
        <section class="account-entry">
            <h1>"Log in"</h1>
            <Booking next=next() lead="Log in to book"/>
            <NoticeBanner unless=error/>
            <FormAlert error/>
            {move || {
                matches!(error.get(), Some(AppError::Unverified))
                    .then(|| view! { <p class="form-help"><a href="/verify-email">"No e-mail? Send me a new confirmation link"</a></p> })
            }}
            <ActionForm action attr:class="stack-form" attr:novalidate="">
                <input type="hidden" name="next" value=next/>
                <TextField field=Field::Email label="E-mail address" kind="email" autocomplete="username" required=true maxlength=EMAIL_MAX error/>
                <TextField field=Field::Password label="Password" kind="password" autocomplete="current-password" required=true maxlength=PASSWORD_MAX error/>
                <button type="submit" disabled=move || action.pending().get()>"Log in"</button>
            </ActionForm>
            <p><a href="/forgot-password">"Forgotten your password?"</a></p>
            <p>"New to Lyceum? " <a href=signup>"Create an account"</a></p>
        </section>
        <EntryAside/>
        </div>
    }
}

/// A path as one query value (`next=`): what the pages put there is a
/// path of ours, whose `?`, `&` and `#` must not end the value.
fn encode(path: &str) -> String {
    path.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '/' | '-' | '_' | '.' | '~' => c.to_string(),
            c => c.to_string().bytes().map(|b| format!("%{b:02X}")).collect(),
        })
        .collect()
}

/// What a visitor sent to log in (or sign up) from the order step was
/// booking, so the way there and back is never lost: the course, its dates
/// and place, after `lead`.
#[component]
fn Booking(next: String, lead: &'static str) -> impl IntoView {
    let session = next.strip_prefix("/book/").and_then(|id| id.parse::<i64>().ok());
    session.map(|id| {
        let quote = Resource::new(move || id, crate::server_fns::orders::get_order_quote);
        view! {
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    quote.await.ok().map(|quote| {
                        let when = quote.days.first().cloned().unwrap_or_default();
                        let more = match quote.days.len() {
                            0 | 1 => String::new(),
                            n => format!(" and {} more days", n - 1),
                        };
                        view! {
                            <p class="form-notice booking-note">
                                {lead} " " <strong>{quote.course_title}</strong>
                                {format!(": {when}{more} ({}), {}.", quote.zone, quote.place)}
                            </p>
                        }
                    })
                })}
            </Transition>
        }
    })
}

/// Beside the signup and login forms: what an account is for.
#[component]
fn EntryAside() -> impl IntoView {
    view! {
        <aside class="entry-aside" aria-labelledby="entry-why">
            <img src=ACADEMY_ART alt="" width="640" height="240" decoding="async"/>
            <h2 id="entry-why">"With an account you can"</h2>
            <ul class="trust">
                <li>"Book a seat, or a place on the waiting list when a session is full"</li>
                <li>"Move to another date or cancel, up to the course's cut-off"</li>
                <li>"Add your sessions to your calendar, with reminders before each"</li>
                <li>"Keep your certificates, which anyone can check online"</li>
            </ul>
        </aside>
    }
}

/// Where signing up (and asking for a new link) leads: check your e-mail,
/// with the address it went to and a way to have it sent again.
#[component]
pub fn CheckEmailPage() -> impl IntoView {
    set_no_store();
    let address = Resource::new(|| (), |_| get_check_email());
    let action = ServerAction::<ResendVerification>::new();
    let error = last_error(action);
    view! {
        <PageTitle text="Check your e-mail · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <section class="account-entry">
            <h1>"Check your e-mail"</h1>
            <NoticeBanner unless=error/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let address = address.await.ok().flatten();
                    let sent_to = match &address {
                        Some(address) => view! { "We have sent a link to " <strong>{address.clone()}</strong> "." }.into_any(),
                        None => view! { "We have sent a link to the address you gave." }.into_any(),
                    };
                    let typed = error.typed("email").or(address).unwrap_or_default();
                    view! {
                        <p class="lead">{sent_to} " Open it to confirm that the address is yours, then log in. It works for 24 hours."</p>
                        <h2>"Nothing there?"</h2>
                        <p>"It can take a minute or two, and it may be in a spam or junk folder. Or have it sent again:"</p>
                        <FormAlert error/>
                        <ActionForm action attr:class="stack-form" attr:novalidate="">
                            <TextField field=Field::Email label="E-mail address" kind="email" autocomplete="email" required=true maxlength=EMAIL_MAX value=typed error/>
                            <button type="submit" disabled=move || action.pending().get()>"Send a new link"</button>
                        </ActionForm>
                        <p>"Wrong address? " <a href="/signup">"Sign up again"</a> " · Confirmed already? " <a href="/login">"Log in"</a></p>
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The link in the confirmation e-mail leads here. Confirming takes a
/// press of the button: mail scanners that open links must not use them up.
/// Without a link's token, the page offers to send a new link instead.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    set_no_store();
    let query = use_query_map();
    let token = move || query.read().get("token").filter(|token| !token.trim().is_empty());
    view! {
        <PageTitle text="Confirm your e-mail address · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <section class="account-entry">
            <h1>"Confirm your e-mail address"</h1>
            {move || match token() {
                Some(token) => view! { <ConfirmAddress token/> }.into_any(),
                None => view! { <ResendLink/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ConfirmAddress(token: String) -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let error = last_error(action);
    view! {
        <FormAlert error/>
        <p>"Press the button to confirm that this address is yours."</p>
        <ActionForm action attr:class="stack-form">
            <input type="hidden" name="token" value=token/>
            <button type="submit" disabled=move || action.pending().get()>"Confirm my address"</button>
        </ActionForm>
        <p><a href="/verify-email">"Link expired? Ask for a new one"</a></p>
    }
}

#[component]
fn ResendLink() -> impl IntoView {
    let action = ServerAction::<ResendVerification>::new();
    let error = last_error(action);
    view! {
        <p>"Enter the address you signed up with and we will send you a new link. It works for 24 hours."</p>
        <FormAlert error/>
        <ActionForm action attr:class="stack-form" attr:novalidate="">
            <TextField field=Field::Email label="E-mail address" kind="email" autocomplete="email" required=true maxlength=EMAIL_MAX error/>
            <button type="submit" disabled=move || action.pending().get()>"Send a new link"</button>
        </ActionForm>
        <p><a href="/login">"Back to log in"</a></p>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    set_no_store();
    let action = ServerAction::<ForgotPassword>::new();
    let error = last_error(action);
    view! {
        <PageTitle text="Forgotten password · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <section class="account-entry">
            <h1>"Forgotten your password?"</h1>
            <p>"Enter the e-mail address of your account and we will send you a link to choose a new password."</p>
            <FormAlert error/>
            <ActionForm action attr:class="stack-form" attr:novalidate="">
                <TextField field=Field::Email label="E-mail address" kind="email" autocomplete="email" required=true maxlength=EMAIL_MAX error/>
                <button type="submit" disabled=move || action.pending().get()>"Send the link"</button>
            </ActionForm>
            <p><a href="/login">"Back to log in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    set_no_store();
    let action = ServerAction::<ResetPassword>::new();
    let error = last_error(action);
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let live = Resource::new(token, reset_link_is_live);
    view! {
        <PageTitle text="Choose a new password · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <section class="account-entry">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match live.await {
                        Ok(true) => view! {
                            <FormAlert error/>
                            <ActionForm action attr:class="stack-form" attr:novalidate="">
                                <input type="hidden" name="token" value=token/>
                                <TextField field=Field::NewPassword label="New password" kind="password" autocomplete="new-password" required=true hint=PASSWORD_HINT maxlength=PASSWORD_MAX error/>
                                <button type="submit" disabled=move || action.pending().get()>"Set the new password"</button>
                            </ActionForm>
                        }
                        .into_any(),
                        _ => view! {
                            <div class="form-alert" role="alert">
                                {crate::error::AppError::InvalidLink.to_string()}
                            </div>
                            <p><a href="/forgot-password">"Ask for a new link"</a></p>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
