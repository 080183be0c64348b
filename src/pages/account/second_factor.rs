//! The second factor: the second step of signing in (`/login/code`), the
//! authenticator app's setup (`/account/security/authenticator`), and the
//! section of `/account/security` that shows, removes and renews it.

use crate::components::form::{FormAlert, NoticeBanner, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::model::account::{AuthenticatorSetupView, PASSWORD_MAX, SecondFactorView};
use crate::model::form::Field;
use crate::server_fns::second_factor::{
    ConfirmAuthenticator, LoginCode, NewRecoveryCodes, RemoveAuthenticator, get_authenticator, get_second_factor,
};
use leptos::prelude::*;
use leptos_meta::Meta;

/// Longest code accepted in the field: a recovery code with its dashes.
const CODE_MAX: usize = 24;

#[component]
pub fn LoginCodePage() -> impl IntoView {
    set_no_store();
    let action = ServerAction::<LoginCode>::new();
    let error = last_error(action);
    view! {
        <PageTitle text="Enter your code · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <div class="entry">
            <section class="account-entry">
                <h1>"Enter your code"</h1>
                <p class="lead">"Open your authenticator app and enter the six-digit code it shows for Lyceum."</p>
                <FormAlert error/>
                <ActionForm action attr:class="stack-form" attr:novalidate="">
                    <TextField field=Field::Code label="Code" autocomplete="one-time-code" required=true
                        hint="Lost your phone? Enter one of your recovery codes instead." maxlength=CODE_MAX error/>
                    <button type="submit" disabled=move || action.pending().get()>"Continue"</button>
                </ActionForm>
                <p><a href="/login">"Start again with your password"</a></p>
            </section>
        </div>
    }
}

/// `/account/security/authenticator`: setting up the authenticator app,
/// or, once it is, the recovery codes (new ones shown once) and removing it.
#[component]
pub fn AuthenticatorPage() -> impl IntoView {
    set_no_store();
    let remove = ServerAction::<RemoveAuthenticator>::new();
    let renew = ServerAction::<NewRecoveryCodes>::new();
    let confirm = ServerAction::<ConfirmAuthenticator>::new();
    // Read again after each change: with JavaScript the page stays, only
    // its query changes.
    let state = Resource::new(
        move || (confirm.version().get(), renew.version().get(), remove.version().get()),
        |_| get_authenticator(),
    );
    view! {
        <PageTitle text="Two-step sign-in · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <section class="account">
            <h1>"Two-step sign-in"</h1>
            <NoticeBanner/>
            <Loaded data=state render=move |state| match state.setup.clone() {
                Some(setup) => view! { <Setup setup required=state.required confirm/> }.into_any(),
                None => view! { <Manage state remove renew/> }.into_any(),
            }/>
            <p><a href="/account/security">"Back to security"</a></p>
        </section>
    }
}

#[component]
fn Setup(setup: AuthenticatorSetupView, required: bool, confirm: ServerAction<ConfirmAuthenticator>) -> impl IntoView {
    let error = last_error(confirm);
    view! {
        {required.then(|| view! {
            <p class="form-notice" role="status">
                "Staff accounts sign in with a code from an authenticator app as well as the password. \
                 Set one up to continue to the back office."
            </p>
        })}
        <ol class="steps">
            <li>
                <p>"In your authenticator app (such as Google Authenticator, Microsoft Authenticator, 1Password or \
                    Aegis), add an account with this key:"</p>
                <p><code class="token" id="authenticator-key">{setup.secret}</code></p>
                <p class="muted">"On this device, the app may take the key directly: "
                    <a href=setup.uri>"add it to an authenticator app"</a>"."</p>
            </li>
            <li>
                <p>"Enter the six-digit code the app now shows for Lyceum."</p>
                <FormAlert error/>
                <ActionForm action=confirm attr:class="stack-form" attr:novalidate="">
                    <TextField field=Field::Code label="Code" autocomplete="one-time-code" required=true
                        maxlength=CODE_MAX error/>
                    <button type="submit" disabled=move || confirm.pending().get()>"Turn on two-step sign-in"</button>
                </ActionForm>
            </li>
        </ol>
    }
}

#[component]
fn Manage(
    state: SecondFactorView,
    remove: ServerAction<RemoveAuthenticator>,
    renew: ServerAction<NewRecoveryCodes>,
) -> impl IntoView {
    let codes = state.new_codes.map(|codes| {
        let items = codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view();
        view! {
            <div class="form-notice new-token" role="status">
                <p>"Your recovery codes. Each signs you in once if you lose your phone. Keep them somewhere safe \
                    now: they are not shown again, and Lyceum keeps only a hash of each."</p>
                <ul class="recovery-codes">{items}</ul>
            </div>
        }
    });
    let remove_error = last_error(remove);
    let renew_error = last_error(renew);
    view! {
        <p>"Signing in asks for a code from your authenticator app after your password. "
            {codes_left(state.recovery_codes_left)}</p>
        {codes}
        <h2>"New recovery codes"</h2>
        <p class="muted">"New codes replace every earlier one."</p>
        <FormAlert error=renew_error/>
        <ActionForm action=renew attr:class="stack-form" attr:novalidate="">
            <TextField field=Field::CurrentPassword label="Your password" kind="password"
                autocomplete="current-password" required=true maxlength=PASSWORD_MAX error=renew_error/>
            <button type="submit" disabled=move || renew.pending().get()>"Make new recovery codes"</button>
        </ActionForm>
        {view! {
            <h2>{if state.required { "Replace the authenticator app" } else { "Turn off two-step sign-in" }}</h2>
            {state.required.then(|| view! {
                <p class="muted">"Staff accounts need one: after removing it you set up another before anything else."</p>
            })}
            <FormAlert error=remove_error/>
            <ActionForm action=remove attr:class="stack-form" attr:novalidate="">
                <TextField field=Field::Password label="Your password" kind="password"
                    autocomplete="current-password" required=true maxlength=PASSWORD_MAX error=remove_error/>
                <button type="submit" class="button-quiet" disabled=move || remove.pending().get()>
                    "Remove the authenticator app"
                </button>
            </ActionForm>
        }}
    }
}

fn codes_left(left: i64) -> String {
    match left {
        0 => "No recovery code is left: make new ones below.".to_string(),
        1 => "One recovery code is left.".to_string(),
        n => format!("{n} recovery codes are left."),
    }
}

/// The section of `/account/security` about the second factor.
#[component]
pub fn SecondFactor() -> impl IntoView {
    let state = Resource::new(|| (), |_| get_second_factor());
    view! {
        <section id="second-factor" aria-labelledby="second-factor-heading">
            <h2 id="second-factor-heading">"Two-step sign-in"</h2>
            <Loaded data=state render=move |state| {
                let text = match (state.authenticator, state.required) {
                    (true, _) => format!("On: signing in asks for a code from your authenticator app. {}", codes_left(state.recovery_codes_left)),
                    (false, true) => "Off, and staff accounts need it: set up an authenticator app.".to_string(),
                    (false, false) => "Off. Sign in with a code from an authenticator app as well as your password, \
                        so a stolen password alone is not enough.".to_string(),
                };
                let link = if state.authenticator { "Recovery codes and settings" } else { "Set up an authenticator app" };
                view! {
                    <p>{text}</p>
                    <p><a href="/account/security/authenticator">{link}</a></p>
                }
            }/>
        </section>
    }
}
