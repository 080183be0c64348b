//! `/api/docs`: the REST API's reference, rendered on the server from the
//! OpenAPI document the API serves (`/api/v1/openapi.json`), so it reads
//! without JavaScript and cannot drift from what the API does. Operations
//! are grouped by tag; each lists who may call it, its parameters, body
//! and answers; the types follow, then the errors every operation shares.

use crate::components::loaded::Loaded;
use crate::components::verbatim::PageTitle;
use crate::model::api_reference::{ApiReference, OperationDoc, SchemaDoc};
use crate::server_fns::api::get_api_reference;
use leptos::prelude::*;
use leptos_meta::Meta;

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| get_api_reference());
    view! {
        <PageTitle text="REST API reference · Lyceum"/>
        <Meta name="description" content="The Lyceum REST API: the catalogue, enrolments and certificates for partners' systems."/>
        <Loaded data=reference render=|reference| view! { <Reference reference/> }/>
    }
}

/// A schema's name as a link to its entry, or plain words.
fn type_link(kind: &str, schemas: &[String]) -> AnyView {
    match schemas.iter().any(|name| name == kind) {
        true => view! { <a href=format!("#schema-{kind}")><code>{kind.to_string()}</code></a> }.into_any(),
        false => view! { <code>{kind.to_string()}</code> }.into_any(),
    }
}

#[component]
fn Reference(reference: ApiReference) -> impl IntoView {
    let names: Vec<String> = reference.schemas.iter().map(|s| s.name.clone()).collect();
    let contents = reference
        .groups
        .iter()
        .map(|group| {
            let links = group
                .operations
                .iter()
                .map(|op| {
                    view! {
                        <li><a href=format!("#{}", op.id)><code>{op.method.clone()} " " {op.path.clone()}</code></a> " " {op.summary.clone()}</li>
                    }
                })
                .collect_view();
            view! { <li>{group.tag.clone()}<ul>{links}</ul></li> }
        })
        .collect_view();
    let groups = reference
        .groups
        .into_iter()
        .map(|group| {
            let names = names.clone();
            let operations =
                group.operations.into_iter().map(|op| view! { <Operation op names=names.clone()/> }).collect_view();
            view! {
                <section class="api-group" aria-labelledby=format!("tag-{}", group.tag)>
                    <h2 id=format!("tag-{}", group.tag)>{group.tag.clone()}</h2>
                    <p>{group.description}</p>
                    {operations}
                </section>
            }
        })
        .collect_view();
    let schemas =
        reference.schemas.into_iter().map(|schema| view! { <Schema schema names=names.clone()/> }).collect_view();
    let errors = reference
        .errors
        .into_iter()
        .map(|e| view! { <tr><th scope="row"><code>{e.status}</code></th><td>{e.name}</td><td>{e.description}</td></tr> })
        .collect_view();
    view! {
        <article class="prose api-docs">
            <h1>{reference.title} " " <small>"version " {reference.version}</small></h1>
            <div class="lead" inner_html=reference.description_html></div>
            <p>
                "The machine-readable description is at " <a href="/api/v1/openapi.json"><code>"/api/v1/openapi.json"</code></a>
                " (OpenAPI " {reference.openapi} "), for code generators and API tools."
            </p>
            <h2 id="authentication">"Authentication"</h2>
            <div inner_html=reference.authentication_html></div>
            <p>"Make a token on your account's " <a href="/account/security#tokens">"security page"</a> ". It is shown once; keep it as a secret."</p>
            <nav aria-label="Operations"><h2>"Operations"</h2><ul class="api-contents">{contents}</ul></nav>
            {groups}
            <h2 id="schemas">"Types"</h2>
            {schemas}
            <h2 id="errors">"Errors"</h2>
            <p>"Every error is a " <a href="#schema-Problem"><code>"Problem"</code></a> " (" <code>"application/problem+json"</code> ") with the request's id. Besides the answers each operation lists, these may come from any:"</p>
            <table class="api-table">
                <thead><tr><th scope="col">"Status"</th><th scope="col">"Name"</th><th scope="col">"When"</th></tr></thead>
                <tbody>{errors}</tbody>
            </table>
        </article>
    }
}

#[component]
fn Operation(op: OperationDoc, names: Vec<String>) -> impl IntoView {
    let access = match op.scopes.is_empty() {
        true => "Anyone may call it, with or without a token.".to_string(),
        false => {
            let ways: Vec<String> = op
                .scopes
                .iter()
                .map(|scopes| match scopes.is_empty() {
                    true => "any token".to_string(),
                    false => format!("a token with {}", scopes.join(" and ")),
                })
                .collect();
            format!("Needs {}.", ways.join(", or "))
        }
    };
    let parameters = (!op.parameters.is_empty()).then(|| {
        let rows = op
            .parameters
            .into_iter()
            .map(|p| {
                let kind = type_link(&p.kind, &names);
                view! {
                    <tr>
                        <th scope="row"><code>{p.name}</code></th>
                        <td>{p.place}</td>
                        <td>{kind}</td>
                        <td>{if p.required { "required" } else { "optional" }}</td>
                        <td>{p.description}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="api-table">
                <caption>"Parameters"</caption>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"In"</th><th scope="col">"Type"</th><th scope="col">"Required"</th><th scope="col">"About"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let body = op.body.map(|(kind, media)| {
        let kind = type_link(&kind, &names);
        view! { <p>"Body: " {kind} " as " <code>{media}</code> "."</p> }
    });
    let responses = op
        .responses
        .into_iter()
        .map(|r| {
            let schema = r.schema.map(|kind| type_link(&kind, &names));
            view! { <tr><th scope="row"><code>{r.status}</code></th><td>{r.description}</td><td>{schema}</td></tr> }
        })
        .collect_view();
    view! {
        <section class="api-operation" id=op.id.clone() aria-labelledby=format!("{}-heading", op.id)>
            <h3 id=format!("{}-heading", op.id)><code>{op.method} " " {op.path}</code></h3>
            <p><strong>{op.summary}</strong></p>
            <div inner_html=op.description_html></div>
            <p class="api-access">{access}</p>
            {parameters}
            {body}
            <table class="api-table">
                <caption>"Answers"</caption>
                <thead><tr><th scope="col">"Status"</th><th scope="col">"Meaning"</th><th scope="col">"Body"</th></tr></thead>
                <tbody>{responses}</tbody>
            </table>
        </section>
    }
}

#[component]
fn Schema(schema: SchemaDoc, names: Vec<String>) -> impl IntoView {
    let fields = (!schema.fields.is_empty()).then(|| {
        let rows = schema
            .fields
            .into_iter()
            .map(|f| {
                let kind = type_link(&f.kind, &names);
                view! {
                    <tr>
                        <th scope="row"><code>{f.name}</code></th>
                        <td>{kind}</td>
                        <td>{if f.required { "always" } else { "optional" }}</td>
                        <td>{f.description}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="api-table">
                <thead><tr><th scope="col">"Field"</th><th scope="col">"Type"</th><th scope="col">"Present"</th><th scope="col">"About"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let kind = schema.kind.clone();
    let plain = schema.name != kind && !kind.starts_with("object");
    view! {
        <section class="api-schema" id=format!("schema-{}", schema.name)>
            <h3><code>{schema.name.clone()}</code></h3>
            <p>{schema.description}</p>
            {plain.then(|| view! { <p>"A value: " <code>{kind}</code> "."</p> })}
            {fields}
            {schema.example.map(|example| view! { <details><summary>"Example"</summary><pre><code>{example}</code></pre></details> })}
        </section>
    }
}
