//! `/account/security`'s API tokens: the account's tokens with their last
//! use and a way to revoke each, the one just created (shown once), and
//! the form that creates one.

use crate::components::form::{FormAlert, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::model::form::Field;
use crate::model::token::{TOKEN_DAYS, TOKEN_NAME_MAX, TokenList, TokenView};
use crate::server_fns::tokens::{CreateToken, RevokeToken, get_tokens};
use leptos::prelude::*;

#[component]
pub fn ApiTokens() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    // Read again after each creation or revocation: the page stays, only
    // its query changes.
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| get_tokens());
    view! {
        <section id="tokens" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="muted">
                "A personal access token lets a program use Lyceum's REST API as you, with only the scopes you give \
                 it, until it expires or you revoke it. Send it in the Authorization header: "
                <code>"Authorization: Bearer lyc_…"</code>
            </p>
            <Loaded data=tokens render=move |list| view! { <Tokens list create revoke/> }/>
        </section>
    }
}

#[component]
fn Tokens(list: TokenList, create: ServerAction<CreateToken>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let error = last_error(create);
    let created = list.created.map(|token| {
        view! {
            <div class="form-notice new-token" role="status">
                <p>"Your new token. Copy it now: it is not shown again, and Lyceum keeps only a hash of it."</p>
                <p><code class="token">{token}</code></p>
            </div>
        }
    });
    let scopes = list
        .offered
        .into_iter()
        .map(|(scope, label)| {
            let (name, id) = match scope.as_str() {
                "enrollments:read" => ("read", "f-scope-read"),
                "enrollments:write" => ("write", "f-scope-write"),
                "enrollments:manage" => ("manage", "f-scope-manage"),
                _ => ("catalogue", "f-scope-catalogue"),
            };
            view! {
                <div class="check">
                    <input type="checkbox" id=id name=name value="on"/>
                    <label for=id>{label} " " <code>{scope}</code></label>
                </div>
            }
        })
        .collect_view();
    let scope_problem = move || error.get().and_then(|e| e.field_message(Field::Scopes));
    let days = TOKEN_DAYS
        .iter()
        .map(|d| view! { <option value=d.to_string() selected=*d == 90>{format!("{d} days")}</option> })
        .collect_view();
    view! {
        {created}
        <TokenTable tokens=list.tokens revoke/>
        <h3>"Create a token"</h3>
        <FormAlert error/>
        <ActionForm action=create attr:class="stack-form" attr:novalidate="">
            <TextField field=Field::Name label="Name (what it is for)" required=true maxlength=TOKEN_NAME_MAX error/>
            <fieldset class="field choices" aria-describedby=move || scope_problem().map(|_| "f-scopes-error")>
                <legend>"What it may do"</legend>
                {scopes}
                {move || scope_problem().map(|problem| view! { <p class="field-error" id="f-scopes-error">{problem}</p> })}
            </fieldset>
            <div class="field">
                <label for="f-expires_in_days">"Expires after"</label>
                <select id="f-expires_in_days" name="expires_in_days">{days}</select>
            </div>
            <button type="submit">"Create token"</button>
        </ActionForm>
    }
}

#[component]
fn TokenTable(tokens: Vec<TokenView>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p>"You have no API tokens."</p> }.into_any();
    }
    let rows = tokens
        .into_iter()
        .map(|token| {
            let action = token.active.then(|| {
                let label = format!("Revoke the token {}", token.name);
                view! {
                    <ActionForm action=revoke>
                        <input type="hidden" name="id" value=token.id.to_string()/>
                        <button type="submit" class="button-quiet" aria-label=label>"Revoke"</button>
                    </ActionForm>
                }
            });
            view! {
                <tr>
                    <td data-label="Name">{token.name}</td>
                    <td data-label="Token"><code>{token.hint}</code></td>
                    <td data-label="Scopes">{token.scopes.join(" ")}</td>
                    <td data-label="Expires">{token.expires_on}</td>
                    <td data-label="Used">{token.last_used}</td>
                    <td data-label="State">{token.state}</td>
                    <td class="row-actions">{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <FormAlert error=last_error(revoke)/>
        <div class="table-scroll">
            <table class="tokens stack">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Token"</th>
                        <th scope="col">"Scopes"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Used"</th>
                        <th scope="col">"State"</th>
                        <th scope="col"><span class="visually-hidden">"Action"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
