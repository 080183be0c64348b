//! The OpenAPI 3.1 document, made from the handlers' own annotations and
//! types (`utoipa`), and served at `/api/v1/openapi.json`.
//!
//! Each handler's annotation says what is its own (its parameters, body,
//! answers and scopes); the errors every operation may meet are added here
//! from what it declares (a path parameter may name nothing, a body may be
//! malformed or too large, a bearer token may be refused), so they are
//! written once and cannot be forgotten on one route.

use crate::model::webhook::EventType;
use crate::server::error::{FieldProblem, Problem};
use crate::server::webhooks::payloads;
use axum::Json;
use axum::response::IntoResponse;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, Paths, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, KnownFormat, ObjectBuilder, OpenApi, Ref, RefOr, Required, SchemaFormat, Type};

/// The scheme every token-guarded operation names, with its scopes.
pub const BEARER: &str = "bearer";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Lyceum API",
        version = "1.0.0",
        description = "The academy's catalogue, enrolments and certificates for partners' systems. \
            JSON in and out: names in snake_case, instants in RFC 3339 with their offset, money as \
            integer cents with its ISO 4217 currency. Every error is `application/problem+json` \
            (RFC 9457) with a stable `type`, and the request's id to quote. Lists take `page` and \
            `per_page` (at most 100) and answer `items`, `page`, `per_page` and `total`, with a \
            `Link` header to the next and previous pages. GETs carry an `ETag` and answer \
            `If-None-Match` with `304`.\n\nAuthentication is `Authorization: Bearer <token>` with a \
            personal access token made on the account's security page; each operation names the \
            scope it needs."
    ),
    tags(
        (name = "catalogue", description = "Courses and their dates: anyone may read them."),
        (name = "enrollments", description = "Seats and waitlist places, under the rules the pages keep."),
        (name = "account", description = "The caller and their own enrolments."),
        (name = "certificates", description = "Checking a certificate: anyone may."),
        (name = "reference", description = "This document."),
    ),
    // The query parameters' own types, which no body names.
    components(schemas(Problem, FieldProblem, crate::model::query::Sort, crate::model::query::Kind, crate::model::query::Level, crate::model::query::Mode,
        // The webhooks' bodies (see `webhooks`).
        payloads::EnrollmentEvent, payloads::SessionEvent, payloads::CertificateEvent, payloads::CourseEvent))
)]
pub struct Frame;

/// `GET /api/v1/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "reference",
    operation_id = "getOpenApi",
    summary = "The OpenAPI 3.1 description of this API",
    responses((status = 200, description = "The document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> axum::response::Response {
    Json(super::document()).into_response()
}

/// An error answer every operation may give, by the name it has in the
/// document's components.
struct Standard {
    name: &'static str,
    status: &'static str,
    description: &'static str,
    headers: &'static [(&'static str, &'static str)],
}

const STANDARD: &[Standard] = &[
    Standard {
        name: "BadRequest",
        status: "400",
        description: "The request could not be read (malformed JSON, a header the API cannot parse).",
        headers: &[],
    },
    Standard {
        name: "Unauthorized",
        status: "401",
        description: "No token, or a token mistyped, unknown, revoked or expired, or sent in the query string.",
        headers: &[(
            "WWW-Authenticate",
            "`Bearer realm=\"lyceum\"`, with `error=\"invalid_token\"` for a refused token.",
        )],
    },
    Standard {
        name: "Forbidden",
        status: "403",
        description: "The token lacks the scope this operation needs; the problem names it.",
        headers: &[("WWW-Authenticate", "`Bearer … error=\"insufficient_scope\", scope=\"…\"`.")],
    },
    Standard {
        name: "NotFound",
        status: "404",
        description: "Nothing with this id or name, or nothing the caller may see.",
        headers: &[],
    },
    Standard {
        name: "PayloadTooLarge",
        status: "413",
        description: "The body is larger than the API reads.",
        headers: &[],
    },
    Standard {
        name: "UnsupportedMediaType",
        status: "415",
        description: "The body is not sent as `application/json`.",
        headers: &[],
    },
    Standard {
        name: "Invalid",
        status: "422",
        description: "Some fields or parameters are not acceptable; `errors` names each. Nothing was stored.",
        headers: &[],
    },
    Standard {
        name: "TooManyRequests",
        status: "429",
        description: "Too many requests from this token or client: wait as `Retry-After` says.",
        headers: &[("Retry-After", "Seconds to wait before trying again.")],
    },
    Standard {
        name: "Internal",
        status: "500",
        description: "A failure on the server, logged with the request's id; nothing half-done is kept.",
        headers: &[],
    },
    Standard {
        name: "Unavailable",
        status: "503",
        description: "Lyceum is too busy to answer now and nothing was changed: try again after `Retry-After`.",
        headers: &[("Retry-After", "Seconds to wait before trying again.")],
    },
];

/// The status of a standard error answer, by its name.
pub fn status_of(name: &str) -> Option<&'static str> {
    STANDARD.iter().find(|s| s.name == name).map(|s| s.status)
}

/// The operations of a path, whichever methods it has.
fn operations(item: &mut utoipa::openapi::path::PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head]
        .into_iter()
        .filter_map(Option::as_mut)
}

/// Which of the standard errors an operation may answer, from what it
/// declares (`secured`: it needs a token).
fn errors_of(operation: &Operation, secured: bool) -> Vec<&'static str> {
    let parameters = operation.parameters.iter().flatten();
    let has = |place: ParameterIn| {
        parameters.clone().any(|p| matches!(p, RefOr::T(parameter) if parameter.parameter_in == place))
    };
    let body = operation.request_body.is_some();
    let mut names = vec!["BadRequest"];
    if secured {
        names.extend(["Unauthorized", "Forbidden"]);
    }
    if has(ParameterIn::Path) {
        names.push("NotFound");
    }
    if body {
        names.extend(["PayloadTooLarge", "UnsupportedMediaType"]);
    }
    if body || has(ParameterIn::Query) || has(ParameterIn::Header) {
        names.push("Invalid");
    }
    names.extend(["TooManyRequests", "Internal", "Unavailable"]);
    names
}

/// The document as served: the frame, the routes' operations, the bearer
/// scheme, and the standard errors on every operation.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("lyc_…")
                .description(Some(
                    "A personal access token (`lyc_` and 38 letters and digits), made on the account's \
                     security page with the scopes it may use: `enrollments:read`, `enrollments:write`, \
                     and for staff `enrollments:manage` and `catalogue:write`.",
                ))
                .build(),
        ),
    );
    let problem = || ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("Problem")))).build();
    for standard in STANDARD {
        let mut response =
            ResponseBuilder::new().description(standard.description).content("application/problem+json", problem());
        for (name, description) in standard.headers {
            let header = HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some(*description))
                .build();
            response = response.header(*name, header);
        }
        components.responses.insert(standard.name.to_string(), RefOr::T(response.build()));
    }
    // Where the API is: this academy's own address, as the document is
    // served from it.
    doc.servers = Some(vec![
        utoipa::openapi::server::ServerBuilder::new()
            .url("/")
            .description(Some("This academy's own address, where this document is served"))
            .build(),
    ]);
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            if !secured {
                // Said in so many words: anyone may call it.
                operation.security = Some(vec![utoipa::openapi::security::SecurityRequirement::default()]);
            }
            for name in errors_of(operation, secured) {
                let status = status_of(name).unwrap_or("500");
                operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))));
            }
        }
    }
    doc.webhooks = Some(webhooks());
    doc
}

/// The events Lyceum posts to the endpoints staff register, one entry per
/// event type: its body, built from the same types the events are, and
/// the Standard Webhooks headers that sign it.
fn webhooks() -> Paths {
    let header = |name: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let headers = [
        header(
            "webhook-id",
            "The event's id, the same on every attempt and on a delivery sent again: a receiver that has \
             accepted it already answers 2xx and does nothing more.",
        ),
        header("webhook-timestamp", "When this attempt was signed, in Unix seconds."),
        header(
            "webhook-signature",
            "`v1,` and the base64 of the HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` under the \
             key of the endpoint's `whsec_` secret (Standard Webhooks); for a day after the secret is \
             replaced, the previous one's signature follows, separated by a space.",
        ),
    ];
    let mut paths = PathsBuilder::new();
    for kind in EventType::ALL {
        let body = ObjectBuilder::new()
            .property("type", ObjectBuilder::new().schema_type(Type::String).enum_values(Some([kind.as_str()])))
            .required("type")
            .property(
                "timestamp",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                    .description(Some("When it happened, in UTC to the millisecond.")),
            )
            .required("timestamp")
            .property("data", Ref::from_schema_name(payloads::data_schema(kind)))
            .required("data");
        let request = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content("application/json", ContentBuilder::new().schema(Some(body)).build())
            .build();
        let received = ResponseBuilder::new()
            .description("Received. Anything else (a redirect too, never followed) is tried again later.")
            .build();
        let operation = OperationBuilder::new()
            .operation_id(Some(format!("webhook-{}", kind.as_str().replace('.', "-"))))
            .summary(Some(kind.label()))
            .parameters(Some(headers.clone()))
            .request_body(Some(request))
            .response("2XX", received)
            // No scheme OpenAPI can name: the body is signed (the headers).
            .security(utoipa::openapi::security::SecurityRequirement::default())
            .build();
        paths = paths.path(kind.as_str(), PathItem::new(HttpMethod::Post, operation));
    }
    paths.build()
}
