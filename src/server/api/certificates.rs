//! `GET /api/v1/certificates/{code}`: anyone may check a certificate, as on
//! its public page (and under the same limit per client). A certificate can
//! be revoked at any moment, so a cache must ask again each time (`ETag`,
//! `no-cache`) rather than keep it.

use super::{ApiProblem, conditional};
use crate::server::AppState;
use crate::server::client::Client;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A certificate as its public page verifies it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Verified {
    /// The certificate's number, in groups of four.
    code: String,
    /// Issued by the academy and not revoked.
    valid: bool,
    learner_name: String,
    course_title: String,
    /// The course's slug.
    course: String,
    hours: i64,
    /// The days of the course, as the certificate prints them.
    dates: String,
    issuer: String,
    /// The day it was issued, as the certificate prints it.
    issued_at: String,
    /// The day it was revoked, as its page says it ("3 December 2026").
    revoked_on: Option<String>,
    revocation_reason: Option<String>,
    /// The public page, and the signed credential to check offline.
    url: String,
    credential_url: String,
}

/// `GET /api/v1/certificates/{code}`.
#[utoipa::path(
    get,
    path = "/certificates/{code}",
    tag = "certificates",
    operation_id = "verifyCertificate",
    summary = "Check a certificate",
    description = "Whether a certificate number was issued by the academy, to whom and for what, and whether \
        it was revoked. The number may be typed any way Crockford's base32 reads it (grouped, any case). \
        A revocation shows at once: a cache must ask again each time (`no-cache`).",
    params(("code" = String, Path, description = "The certificate's number.", example = "7K2M-9QXD-4T8B-1RZC-6HVN-PW")),
    responses(
        (status = 200, description = "The certificate", body = Verified,
            headers(("ETag" = String, description = "The answer's tag, for `If-None-Match`."))),
        (status = 304, description = "Not modified since the tag named in `If-None-Match`."),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let view = match state.certificates.verify(&code, &client.ip).await {
        Ok(view) => view,
        Err(error) => return ApiProblem(error).into_response(),
    };
    let revoked = view.revoked.as_ref();
    let body = Verified {
        valid: revoked.is_none(),
        revoked_on: revoked.map(|r| r.on.clone()),
        revocation_reason: revoked.map(|r| r.reason.clone()),
        credential_url: format!("{}/credential.jwt", view.url),
        code: view.code,
        learner_name: view.learner_name,
        course_title: view.course_title,
        course: view.course_slug,
        hours: view.hours,
        dates: view.dates,
        issuer: view.issuer,
        issued_at: view.issued_at,
        url: view.url,
    };
    conditional(&headers, axum::Json(body).into_response(), "no-cache").await
}
