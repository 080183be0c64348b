//! The second factor: the second step of signing in (`/login/code`), the
//! page of an account's second factors (`/account/security/authenticator`:
//! passkeys, the authenticator app's setup, recovery codes), and the
//! section of `/account/security` that leads there.

use crate::components::form::{FormAlert, NoticeBanner, Select, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::components::passkey;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::error::AppError;
use crate::model::account::{AuthenticatorSetupView, PASSWORD_MAX, PasskeyView};
use crate::model::form::Field;
use crate::server_fns::passkeys::{
    RemovePasskey, add_passkey, get_second_step, login_passkey, login_passkey_options, passkey_options,
};
use crate::server_fns::second_factor::{
    ConfirmAuthenticator, LoginCode, NewRecoveryCodes, RemoveAuthenticator, get_authenticator, get_second_factor,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Meta;

/// Longest code accepted in the field: a recovery code with its dashes.
const CODE_MAX: usize = 24;

/// Whether passkeys can be offered here: never before hydration (there is
/// no ceremony without JavaScript), then as the browser says.
fn passkeys_offered() -> RwSignal<Option<bool>> {
    let supported = RwSignal::new(None);
    Effect::new(move |_| supported.set(Some(passkey::supported())));
    supported
}

/// An error as one sentence beside a passkey's button: a field's problem
/// said plainly rather than "correct the fields below".
fn sentence(error: &AppError) -> String {
    match error {
        AppError::Invalid(errors) => errors.iter().map(|e| e.problem.message()).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// Runs a passkey ceremony's `steps` (which end in the address to go
/// to, with a full load: the session changed under the page) from a
/// click; the button is busy meanwhile, and a failure is said beside it.
fn run_ceremony(
    busy: RwSignal<bool>,
    failure: RwSignal<Option<String>>,
    steps: impl std::future::Future<Output = Result<String, String>> + 'static,
) {
    busy.set(true);
    failure.set(None);
    spawn_local(async move {
        match steps.await {
            Ok(to) => {
                let _ = location().set_href(&to);
            }
            Err(message) => failure.set(Some(message)),
        }
        busy.set(false);
    });
}

#[component]
pub fn LoginCodePage() -> impl IntoView {
    set_no_store();
    let action = ServerAction::<LoginCode>::new();
    let error = last_error(action);
    let step = Resource::new(|| (), |_| get_second_step());
    let offered = passkeys_offered();
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let use_passkey = move |_| {
        let origin = step.get_untracked().and_then(Result::ok).and_then(|step| step.passkey_origin);
        run_ceremony(busy, failure, async move {
            let options = login_passkey_options().await.map_err(|e| sentence(&e))?;
            let answer = passkey::get(&options).await.map_err(|f| f.message(origin.as_deref()))?;
            login_passkey(answer).await.map_err(|e| sentence(&e))
        });
    };
    let with_passkey = move || {
        let has = step.get().and_then(Result::ok).is_some_and(|step| step.passkey);
        (has && offered.get() == Some(true)).then(|| {
            view! {
                <div class="passkey-step">
                    <p>"Use the passkey on this device or your security key."</p>
                    {move || failure.get().map(|text| view! { <p class="form-alert" role="alert">{text}</p> })}
                    <button type="button" id="use-passkey" on:click=use_passkey disabled=move || busy.get()>
                        "Use your passkey"
                    </button>
                    <p class="muted">"Or enter a code:"</p>
                </div>
            }
        })
    };
    // An account with passkeys alone has no app's code to type: its
    // recovery codes are the way in without the passkey (or JavaScript).
    let lead = move || {
        let step = step.get().and_then(Result::ok).unwrap_or_default();
        let text = match (step.authenticator, step.passkey) {
            (true, _) => "Open your authenticator app and enter the six-digit code it shows for Lyceum.",
            (false, true) => "Without your passkey (or with JavaScript off), enter one of your recovery codes.",
            (false, false) => "Enter the code your authenticator app shows for Lyceum, or a recovery code.",
        };
        view! { <p class="lead">{text}</p> }
    };
    view! {
        <PageTitle text="Two-step sign-in · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <div class="entry">
            <section class="account-entry">
                <h1>"Two-step sign-in"</h1>
                <Transition>{with_passkey}{lead}</Transition>
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

/// `/account/security/authenticator`: the account's second factors. Its
/// passkeys (added with JavaScript, the ceremony's browser half), the
/// authenticator app (set up, or removed), and once either is there, the
/// recovery codes (new ones shown once).
#[component]
pub fn AuthenticatorPage() -> impl IntoView {
    set_no_store();
    let remove = ServerAction::<RemoveAuthenticator>::new();
    let renew = ServerAction::<NewRecoveryCodes>::new();
    let confirm = ServerAction::<ConfirmAuthenticator>::new();
    let unregister = ServerAction::<RemovePasskey>::new();
    // Read again after each change: with JavaScript the page stays, only
    // its query changes.
    let state = Resource::new(
        move || (confirm.version().get(), renew.version().get(), remove.version().get(), unregister.version().get()),
        |_| get_authenticator(),
    );
    view! {
        <PageTitle text="Two-step sign-in · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <section class="account">
            <h1>"Two-step sign-in"</h1>
            <NoticeBanner/>
            <Loaded data=state render=move |state| {
                let any = state.authenticator || !state.passkeys.is_empty();
                let app = match state.setup.clone() {
                    Some(setup) => view! { <Setup setup confirm/> }.into_any(),
                    None => view! { <AppSetUp required=state.required && state.passkeys.is_empty() remove/> }.into_any(),
                };
                view! {
                    {(state.required && !any).then(|| view! {
                        <p class="form-notice" role="status">
                            "Staff accounts sign in with a passkey or an authenticator app's code as well as the \
                             password. Set one up to continue to the back office."
                        </p>
                    })}
                    <NewCodes codes=state.new_codes.clone()/>
                    <Passkeys passkeys=state.passkeys.clone() origin=state.passkey_origin.clone() remove=unregister/>
                    <section id="authenticator-app" aria-labelledby="authenticator-app-heading">
                        <h2 id="authenticator-app-heading">"Authenticator app"</h2>
                        {app}
                    </section>
                    {any.then(|| view! { <RecoveryCodes left=state.recovery_codes_left renew/> })}
                }
            }/>
            <p><a href="/account/security">"Back to security"</a></p>
        </section>
    }
}

/// The account's passkeys, each removable with the password, and a new
/// one added with the browser's ceremony (JavaScript only: without it the
/// form is not offered).
#[component]
fn Passkeys(passkeys: Vec<PasskeyView>, origin: Option<String>, remove: ServerAction<RemovePasskey>) -> impl IntoView {
    let remove_error = last_error(remove);
    let choices: Vec<(String, String)> = passkeys.iter().map(|key| (key.id.to_string(), key.name.clone())).collect();
    let listed = (!passkeys.is_empty()).then(|| {
        let items = passkeys
            .into_iter()
            .map(|key| {
                let used = key.last_used.map(|at| format!(", last used {at}")).unwrap_or_default();
                view! {
                    <li class="passkey">
                        <strong class="passkey-name">{key.name}</strong>
                        <span class="muted">{format!(" added {}{used}", key.added)}</span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <ul class="passkeys">{items}</ul>
            <details>
                <summary>"Remove a passkey"</summary>
                <FormAlert error=remove_error/>
                <ActionForm action=remove attr:class="stack-form" attr:novalidate="">
                    <Select field=Field::Passkey label="Passkey" choices value="" error=remove_error/>
                    <TextField field=Field::PasskeyPassword label="Your password" kind="password"
                        autocomplete="current-password" required=true maxlength=PASSWORD_MAX error=remove_error/>
                    <button type="submit" class="button-quiet" disabled=move || remove.pending().get()>
                        "Remove the passkey"
                    </button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <section id="passkeys" aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">"Passkeys"</h2>
            <p>"A passkey signs you in with this device's fingerprint, face or screen lock, or with a security \
                key. It is the safest second step: it works only on Lyceum's own site, so a look-alike page \
                cannot take it."</p>
            {listed}
            <NewPasskey origin/>
        </section>
    }
}

#[component]
fn NewPasskey(origin: Option<String>) -> impl IntoView {
    let offered = passkeys_offered();
    let name = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let unavailable = origin.is_none();
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let origin = origin.clone();
        run_ceremony(busy, failure, async move {
            let options = passkey_options().await.map_err(|e| sentence(&e))?;
            let answer = passkey::create(&options).await.map_err(|f| f.message(origin.as_deref()))?;
            add_passkey(name.get_untracked(), answer).await.map_err(|e| sentence(&e))
        });
    };
    let note = move || match offered.get() {
        _ if unavailable => Some("Passkeys work only when Lyceum is opened at its host name, not an IP address."),
        None => Some("Adding a passkey needs JavaScript, which is off or still loading."),
        Some(false) => Some("This browser cannot use passkeys. Use an authenticator app instead."),
        Some(true) => None,
    };
    view! {
        {move || note().map(|text| view! { <p class="muted" id="passkey-note">{text}</p> })}
        <form id="add-passkey" class="stack-form" on:submit=add hidden=move || unavailable || offered.get() != Some(true)>
            {move || failure.get().map(|text| view! { <p class="form-alert" role="alert">{text}</p> })}
            <div class="field">
                <label for="f-passkey-name">"Name for this passkey"</label>
                <p class="field-hint" id="f-passkey-name-hint">"Such as the device it is on: \u{201c}Work laptop\u{201d}."</p>
                <input id="f-passkey-name" name="name" type="text" required maxlength="60" autocomplete="off"
                    aria-describedby="f-passkey-name-hint" bind:value=name/>
            </div>
            <button type="submit" disabled=move || busy.get()>"Add a passkey"</button>
        </form>
    }
}

#[component]
fn Setup(setup: AuthenticatorSetupView, confirm: ServerAction<ConfirmAuthenticator>) -> impl IntoView {
    let error = last_error(confirm);
    view! {
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

/// Recovery codes just made, shown this once.
#[component]
fn NewCodes(codes: Option<Vec<String>>) -> impl IntoView {
    codes.map(|codes| {
        let items = codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view();
        view! {
            <div class="form-notice new-token" role="status">
                <p>"Your recovery codes. Each signs you in once if you lose your phone or passkey. Keep them \
                    somewhere safe now: they are not shown again, and Lyceum keeps only a hash of each."</p>
                <ul class="recovery-codes">{items}</ul>
            </div>
        }
    })
}

/// The authenticator app, set up: removing it (with the password).
/// `required`: it is the staff account's only second factor.
#[component]
fn AppSetUp(required: bool, remove: ServerAction<RemoveAuthenticator>) -> impl IntoView {
    let remove_error = last_error(remove);
    view! {
        <p>"Signing in can take a code from your authenticator app after your password."</p>
        {required.then(|| view! {
            <p class="muted">"Staff accounts need a second factor: after removing the app you set up another \
                before anything else."</p>
        })}
        <FormAlert error=remove_error/>
        <ActionForm action=remove attr:class="stack-form" attr:novalidate="">
            <TextField field=Field::Password label="Your password" kind="password"
                autocomplete="current-password" required=true maxlength=PASSWORD_MAX error=remove_error/>
            <button type="submit" class="button-quiet" disabled=move || remove.pending().get()>
                "Remove the authenticator app"
            </button>
        </ActionForm>
    }
}

#[component]
fn RecoveryCodes(left: i64, renew: ServerAction<NewRecoveryCodes>) -> impl IntoView {
    let renew_error = last_error(renew);
    view! {
        <section id="recovery" aria-labelledby="recovery-heading">
            <h2 id="recovery-heading">"Recovery codes"</h2>
            <p>{codes_left(left)}" New codes replace every earlier one."</p>
            <FormAlert error=renew_error/>
            <ActionForm action=renew attr:class="stack-form" attr:novalidate="">
                <TextField field=Field::CurrentPassword label="Your password" kind="password"
                    autocomplete="current-password" required=true maxlength=PASSWORD_MAX error=renew_error/>
                <button type="submit" disabled=move || renew.pending().get()>"Make new recovery codes"</button>
            </ActionForm>
        </section>
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
                let any = state.authenticator || !state.passkeys.is_empty();
                let with = match (state.passkeys.len(), state.authenticator) {
                    (0, _) => "a code from your authenticator app".to_string(),
                    (1, false) => "your passkey".to_string(),
                    (_, false) => "one of your passkeys".to_string(),
                    (_, true) => "one of your passkeys or a code from your authenticator app".to_string(),
                };
                let text = match (any, state.required) {
                    (true, _) => format!("On: signing in asks for {with}. {}", codes_left(state.recovery_codes_left)),
                    (false, true) => "Off, and staff accounts need it: add a passkey or an authenticator app.".to_string(),
                    (false, false) => "Off. Sign in with a passkey or an authenticator app's code as well as your \
                        password, so a stolen password alone is not enough.".to_string(),
                };
                let link = if any { "Passkeys, recovery codes and settings" } else { "Set up two-step sign-in" };
                view! {
                    <p>{text}</p>
                    <p><a href="/account/security/authenticator">{link}</a></p>
                }
            }/>
        </section>
    }
}
