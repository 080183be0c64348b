//! `/admin/webhooks`: the endpoints partners' systems listen on, and the
//! form that registers one; `/admin/webhooks/{id}`: one endpoint, its
//! signing secret (shown once, after it is made or rotated), its settings,
//! and its latest deliveries with every attempt and a button to send one
//! again. Every form works without JavaScript.

use super::AdminPage;
use crate::components::form::{FormAlert, LastError, SavedMeanwhile, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::model::form::Field;
use crate::model::webhook::{
    DESCRIPTION_MAX, DeliveryView, EndpointSummary, EndpointView, EventType, URL_MAX, WEBHOOKS_PATH,
};
use crate::server_fns::webhooks::{
    CreateWebhook, DeleteWebhook, RedeliverWebhook, RotateWebhookSecret, SetWebhookEnabled, UpdateWebhook, get_webhook,
    get_webhooks,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let list = Resource::new(move || create.version().get(), |_| get_webhooks());
    view! {
        <AdminPage title="Webhooks" section=WEBHOOKS_PATH>
            <p class="lead">
                "A webhook tells a partner's system of a change as it happens: an enrolment, a cancelled session, a \
                 certificate. Each event is sent as JSON in a POST, signed as the Standard Webhooks specification \
                 says (the webhook-id, webhook-timestamp and webhook-signature headers), and sent again on a \
                 schedule of about a day until the endpoint answers with a 2xx. An endpoint whose every delivery \
                 fails for a day is disabled, and the academy is told."
            </p>
            <Loaded data=list render=|endpoints| view! { <Endpoints endpoints/> }/>
            <h2 id="new-heading">"Register an endpoint"</h2>
            <NewEndpoint action=create/>
        </AdminPage>
    }
}

#[component]
fn Endpoints(endpoints: Vec<EndpointSummary>) -> impl IntoView {
    if endpoints.is_empty() {
        return view! { <p class="muted">"No endpoint is registered yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="admin-table webhooks">
                <caption class="visually-hidden">"Webhook endpoints"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Endpoint"</th>
                        <th scope="col">"Events"</th>
                        <th scope="col">"State"</th>
                    </tr>
                </thead>
                <tbody>
                    {endpoints
                        .into_iter()
                        .map(|endpoint| view! {
                            <tr class=if endpoint.enabled { "webhook-row" } else { "webhook-row disabled" }>
                                <th scope="row">
                                    <a href=format!("{WEBHOOKS_PATH}/{}", endpoint.id) class="webhook-url">{endpoint.url}</a>
                                    {(!endpoint.description.is_empty()).then(|| view! { <br/><span class="muted">{endpoint.description}</span> })}
                                </th>
                                <td data-label="Events">{endpoint.events.join(", ")}</td>
                                <td data-label="State">{endpoint.state}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The boxes of the events an endpoint listens for, `chosen` ticked (or
/// what was ticked, when the form came back).
#[component]
fn EventBoxes(chosen: Vec<String>, error: LastError) -> impl IntoView {
    let came_back = error.came_back();
    let boxes = EventType::ALL
        .into_iter()
        .enumerate()
        .map(|(i, kind)| {
            let name = format!("events[{i}]");
            let id = format!("f-events-{i}");
            let checked = match came_back {
                true => error.typed(&name).is_some(),
                false => chosen.iter().any(|c| c == kind.as_str()),
            };
            view! {
                <div class="check">
                    <input type="checkbox" id=id.clone() name=name value=kind.as_str() checked=checked/>
                    <label for=id><code>{kind.as_str()}</code>" · "{kind.label()}</label>
                </div>
            }
        })
        .collect_view();
    let message = move || error.get().and_then(|e| e.field_message(Field::Events));
    view! {
        <fieldset class="field choices" id="f-events" aria-invalid=move || message().map(|_| "true") aria-describedby=move || message().map(|_| "f-events-error")>
            <legend>"Events"</legend>
            {boxes}
            {move || message().map(|text| view! { <p class="field-error" id="f-events-error">{text}</p> })}
        </fieldset>
    }
}

#[component]
fn NewEndpoint(action: ServerAction<CreateWebhook>) -> impl IntoView {
    let error = last_error(action);
    view! {
        <FormAlert error/>
        <ActionForm action attr:class="stack-form" attr:novalidate="" attr:aria-labelledby="new-heading">
            <TextField field=Field::Url label="Address" kind="url" required=true maxlength=URL_MAX
                hint="An https address on the public internet, such as https://crm.example.com/hooks/lyceum." error/>
            <TextField field=Field::Description label="Description (optional)" maxlength=DESCRIPTION_MAX
                hint="Whose it is and what it is for, for the academy's staff." error/>
            <EventBoxes chosen=Vec::new() error/>
            <button type="submit">"Register the endpoint"</button>
        </ActionForm>
    }
}

/// The forms of an endpoint's page; the page loads the endpoint again
/// after each answer, so the version its forms send is the one saved.
#[derive(Clone, Copy)]
struct Actions {
    update: ServerAction<UpdateWebhook>,
    enable: ServerAction<SetWebhookEnabled>,
    rotate: ServerAction<RotateWebhookSecret>,
    delete: ServerAction<DeleteWebhook>,
    redeliver: ServerAction<RedeliverWebhook>,
}

impl Actions {
    fn answered(self) -> usize {
        self.update.version().get()
            + self.enable.version().get()
            + self.rotate.version().get()
            + self.redeliver.version().get()
    }
}

#[component]
pub fn WebhookPage() -> impl IntoView {
    let params = use_params_map();
    let actions = Actions {
        update: ServerAction::new(),
        enable: ServerAction::new(),
        rotate: ServerAction::new(),
        delete: ServerAction::new(),
        redeliver: ServerAction::new(),
    };
    let endpoint = Resource::new(
        move || {
            let id = params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
            (id, actions.answered())
        },
        |(id, _)| get_webhook(id),
    );
    view! {
        <AdminPage title="Webhook endpoint" section=WEBHOOKS_PATH>
            <p><a href=WEBHOOKS_PATH>"All endpoints"</a></p>
            <Loaded data=endpoint keep_previous=true render=move |endpoint| view! { <Endpoint endpoint actions/> }/>
        </AdminPage>
    }
}

#[component]
fn Endpoint(endpoint: EndpointView, actions: Actions) -> impl IntoView {
    let update_error = last_error(actions.update);
    let enable_error = last_error(actions.enable);
    let rotate_error = last_error(actions.rotate);
    let delete_error = last_error(actions.delete);
    let (id, version) = (endpoint.id, endpoint.version);
    let secret = endpoint.new_secret.clone().map(|secret| {
        view! {
            <div class="form-notice new-token webhook-secret" role="status">
                <p>"The endpoint's signing secret. Give it to whoever runs the endpoint: their Standard Webhooks library verifies each delivery with it. It is shown this once."</p>
                <p><code class="token">{secret}</code></p>
            </div>
        }
    });
    let previous = endpoint.previous_until.clone().map(|until| {
        view! { <p class="muted">{format!("The secret before the last rotation also signs each delivery until {until}.")}</p> }
    });
    let toggle = match endpoint.enabled {
        true => ("false", "Disable the endpoint", "button-quiet"),
        false => ("true", "Enable the endpoint", ""),
    };
    view! {
        {secret}
        <h2 class="webhook-url">{endpoint.url.clone()}</h2>
        <dl class="enquiry-facts">
            <div><dt>"State"</dt><dd class="webhook-state">{endpoint.state.clone()}</dd></div>
            <div><dt>"Events"</dt><dd>{endpoint.events.join(", ")}</dd></div>
            {(!endpoint.description.is_empty()).then(|| view! { <div><dt>"Description"</dt><dd>{endpoint.description.clone()}</dd></div> })}
        </dl>
        {previous}
        <h2 id="edit-heading">"Settings"</h2>
        <FormAlert error=update_error/>
        <SavedMeanwhile error=update_error/>
        <ActionForm action=actions.update attr:class="stack-form" attr:novalidate="" attr:aria-labelledby="edit-heading">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="version" value=version/>
            <TextField field=Field::Url label="Address" kind="url" required=true maxlength=URL_MAX value=endpoint.url.clone() error=update_error/>
            <TextField field=Field::Description label="Description (optional)" maxlength=DESCRIPTION_MAX value=endpoint.description.clone() error=update_error/>
            <EventBoxes chosen=endpoint.events.clone() error=update_error/>
            <button type="submit">"Save"</button>
        </ActionForm>
        <h2>"Secret and state"</h2>
        <FormAlert error=rotate_error/>
        <ActionForm action=actions.rotate attr:class="inline-form">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="version" value=version/>
            <button type="submit">"Rotate the signing secret"</button>
        </ActionForm>
        <FormAlert error=enable_error/>
        <ActionForm action=actions.enable attr:class="inline-form">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="version" value=version/>
            <input type="hidden" name="enabled" value=toggle.0/>
            <button type="submit" class=toggle.2>{toggle.1}</button>
        </ActionForm>
        <FormAlert error=delete_error/>
        <ActionForm action=actions.delete attr:class="inline-form">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="version" value=version/>
            <button type="submit" class="button-danger">"Delete the endpoint and its deliveries"</button>
        </ActionForm>
        <Deliveries endpoint_id=id deliveries=endpoint.deliveries action=actions.redeliver/>
    }
}

#[component]
fn Deliveries(
    endpoint_id: i64,
    deliveries: Vec<DeliveryView>,
    action: ServerAction<RedeliverWebhook>,
) -> impl IntoView {
    let error = last_error(action);
    let list = match deliveries.is_empty() {
        true => view! { <p class="muted">"Nothing has been sent to this endpoint yet."</p> }.into_any(),
        false => deliveries
            .into_iter()
            .map(|delivery| view! { <Delivery endpoint_id delivery action/> })
            .collect_view()
            .into_any(),
    };
    view! {
        <h2 id="deliveries">"Latest deliveries"</h2>
        <FormAlert error/>
        <div class="webhook-deliveries">{list}</div>
    }
}

#[component]
fn Delivery(endpoint_id: i64, delivery: DeliveryView, action: ServerAction<RedeliverWebhook>) -> impl IntoView {
    let tries = match delivery.attempts.len() {
        1 => "1 attempt".to_string(),
        n => format!("{n} attempts"),
    };
    let summary = format!("{} · {} · {} · {tries}", delivery.event_type, delivery.created, delivery.status);
    let attempts = delivery
        .attempts
        .into_iter()
        .map(|attempt| {
            let answer = match (attempt.status_code, attempt.error) {
                (Some(code), None) => code.to_string(),
                (Some(code), Some(error)) => format!("{code}: {error}"),
                (None, Some(error)) => error,
                (None, None) => String::new(),
            };
            view! {
                <tr>
                    <td data-label="When">{attempt.at}</td>
                    <td data-label="Answer">{answer}</td>
                    <td data-label="Took">{format!("{} ms", attempt.duration_ms)}</td>
                    <td data-label="Body"><pre class="webhook-body">{attempt.response}</pre></td>
                </tr>
            }
        })
        .collect_view();
    let again = delivery.may_send_again.then(|| {
        view! {
            <ActionForm action attr:class="inline-form">
                <input type="hidden" name="id" value=endpoint_id/>
                <input type="hidden" name="delivery_id" value=delivery.id/>
                <button type="submit" class="button-quiet">"Send again"</button>
            </ActionForm>
        }
    });
    view! {
        <details class=format!("webhook-delivery status-{}", delivery.status)>
            <summary>{summary}</summary>
            <p>"webhook-id: "<code>{delivery.webhook_id}</code></p>
            {delivery.next_attempt.map(|at| view! { <p>{format!("Next attempt: {at}")}</p> })}
            <div class="table-wrap">
                <table class="admin-table">
                    <caption class="visually-hidden">"Attempts"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"Answer"</th>
                            <th scope="col">"Took"</th>
                            <th scope="col">"Body of the answer"</th>
                        </tr>
                    </thead>
                    <tbody>{attempts}</tbody>
                </table>
            </div>
            <p>"Sent:"</p>
            <pre class="webhook-body">{delivery.payload}</pre>
            {again}
        </details>
    }
}
