//! `GET /api/v1/sessions` (upcoming dates, narrowed as the catalogue's
//! filters narrow them) and `POST /api/v1/sessions/{id}/enrollments`
//! (booking a seat: the order step's own order, billing and terms,
//! honouring `Idempotency-Key`).

use super::idempotency::{self, Claim, Claimed};
use super::json::Body;
use super::me::Enrollment;
use super::page::{PageQuery, Paged, without_page};
use super::{ApiProblem, Caller, id, public};
use crate::error::AppError;
use crate::model::account::User;
use crate::model::billing::{Attendees, BillingForm, BillingKind, ColleagueForm, PaymentMethod};
use crate::model::query::CatalogueQuery;
use crate::model::token::Scope;
use crate::server::AppState;
use crate::server::auth::Credentials;
use crate::server::catalogue::data::UpcomingSession;
use crate::server::client::Client;
use crate::server::error::Error;
use axum::Extension;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// The filters of the session list, as the catalogue page names them.
const FILTERS: [&str; 4] = ["mode", "location", "from", "to"];

/// `GET /api/v1/sessions`.
#[utoipa::path(
    get,
    path = "/sessions",
    tag = "catalogue",
    operation_id = "listSessions",
    summary = "Upcoming dates of published courses",
    description = "Scheduled dates still to start, soonest first, with the seats left in each. \
        `from` and `to` are days in the academy's time zone, both included. A shared cache may \
        keep the answer for a short time (`Cache-Control`).",
    params(
        ("course" = Option<String>, Query, description = "Only this course's dates (its slug).", example = "kubernetes-fundamentals"),
        ("mode" = Option<crate::model::query::Mode>, Query, description = "Online or in person."),
        ("location" = Option<String>, Query, description = "Only dates at this campus (its slug)."),
        ("from" = Option<chrono::NaiveDate>, Query, description = "Dates starting on this day or later."),
        ("to" = Option<chrono::NaiveDate>, Query, description = "Dates starting on this day or before."),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of dates", body = Paged<UpcomingSession>,
            headers(
                ("ETag" = String, description = "The answer's tag, for `If-None-Match`."),
                ("Link" = String, description = "The next and previous pages (RFC 8288)."),
                ("Cache-Control" = String, description = "How long a shared cache may keep it."),
            )),
        (status = 304, description = "Not modified since the tag named in `If-None-Match`."),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    Query(page): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let raw = raw.unwrap_or_default();
    let uri = format!("/api/v1/sessions?{raw}");
    public(&state, &headers, &uri, || async {
        let request = match page.parse() {
            Ok(request) => request,
            Err(problem) => return problem.into_response(),
        };
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
            .filter(|(name, _)| name == "course" || FILTERS.contains(&name.as_ref()))
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        let (query, notices) = CatalogueQuery::from_pairs(
            pairs.iter().filter(|(k, _)| k != "course").map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if !notices.is_empty() {
            return super::catalogue::refused(&notices);
        }
        let course = pairs.iter().find(|(name, _)| name == "course").map(|(_, value)| value.trim().to_string());
        let per_page = i64::try_from(request.per_page).unwrap_or(100);
        let offset = i64::try_from(request.page - 1).unwrap_or(0).saturating_mul(per_page);
        let (items, total) = match state.catalogue.sessions(course.as_deref(), &query, offset, per_page).await {
            Ok(found) => found,
            Err(error) => return ApiProblem(error).into_response(),
        };
        let total = usize::try_from(total).unwrap_or(0);
        let listed = Paged { items, page: request.page, per_page: request.per_page, total };
        let rest = without_page(&raw);
        let path = match rest.is_empty() {
            true => "/api/v1/sessions".to_string(),
            false => format!("/api/v1/sessions?{rest}"),
        };
        listed.answer(&path)
    })
    .await
}

/// A booking through the API: the order step's own fields (billing,
/// payment, terms, who attends), under its rules.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "billing": "company",
    "billing_name": "Acme Ltd",
    "address": "12 Harbour Street",
    "postcode": "VLT 1000",
    "city": "Valletta",
    "country": "MT",
    "vat_number": "MT12345678",
    "purchase_order": "PO-4471",
    "payment": "invoice",
    "accept_terms": true,
    "attend": true,
    "colleagues": [{ "name": "Maria Borg", "email": "maria.borg@example.com" }]
}))]
pub struct EnrolmentRequest {
    /// Who is billed: a private person or a company.
    pub billing: BillingKind,
    /// The person's full name, or the company's legal name.
    pub billing_name: String,
    pub address: String,
    #[serde(default)]
    pub postcode: String,
    pub city: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// A company's EU VAT number, with its country prefix.
    #[serde(default)]
    pub vat_number: String,
    /// The company's purchase-order reference, printed on the invoice.
    #[serde(default)]
    pub purchase_order: String,
    pub payment: PaymentMethod,
    /// The academy's terms and conditions (`/terms`) are accepted; the
    /// version accepted is recorded on the order.
    pub accept_terms: bool,
    /// Whether the caller attends (a seat of their own); `false` books
    /// only the colleagues named.
    #[serde(default = "attends")]
    pub attend: bool,
    /// Colleagues booked on the same order, each with a seat (or waitlist
    /// place) of their own; at most 20.
    #[serde(default)]
    pub colleagues: Vec<ColleagueForm>,
}

fn attends() -> bool {
    true
}

impl EnrolmentRequest {
    /// The order form's values, parsed by the form's own rules: every
    /// problem at once.
    fn command(&self, booker: &User) -> Result<(crate::model::billing::Billing, Attendees), Error> {
        let form = BillingForm {
            billing: self.billing.as_str().to_string(),
            billing_name: self.billing_name.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            vat_number: self.vat_number.clone(),
            purchase_order: self.purchase_order.clone(),
            payment: self.payment.as_str().to_string(),
            accept_terms: self.accept_terms.then(|| "on".to_string()),
        };
        match (form.parse(), Attendees::parse(self.attend, &self.colleagues, &booker.email)) {
            (Ok(billing), Ok(attendees)) => Ok((billing, attendees)),
            (Err(mut problems), Err(more)) => {
                problems.extend(more);
                Err(Error::Refused(AppError::Invalid(problems)))
            }
            (Err(problems), _) | (_, Err(problems)) => Err(Error::Refused(AppError::Invalid(problems))),
        }
    }
}

/// What a booking gave.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Booked {
    /// The caller's seat or waitlist place; when the caller does not
    /// attend, the first colleague's.
    pub enrollment: Enrollment,
    pub order: OrderPlaced,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderPlaced {
    pub reference: String,
    /// The invoice's number, when a seat was confirmed.
    pub invoice: Option<String>,
    /// The order's page for the booker.
    pub url: String,
}

/// `POST /api/v1/sessions/{id}/enrollments`.
#[utoipa::path(
    post,
    path = "/sessions/{id}/enrollments",
    tag = "enrollments",
    operation_id = "enrol",
    summary = "Book a seat",
    description = "Places an order for a seat in the session, as the order step does: a seat while \
        there is one, otherwise a place on the waitlist; billed as the body says, with an invoice for \
        each seat confirmed. A learner holds one seat per course: a second date of a course is \
        refused (`409`) while a seat in it is held.\n\nSend an `Idempotency-Key` to retry safely: \
        a request sent again with the same key and body gets the first answer again (marked \
        `Idempotent-Replayed: true`) and books nothing twice, even while the first is still being \
        answered; the same key with another body is refused (`422`). Keys are kept for 24 hours.",
    params(
        ("id" = i64, Path, description = "The session's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "Any unique text of 1 to 255 visible ASCII characters, such as a UUID."),
    ),
    request_body(content = EnrolmentRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Booked: `enrollment.status` says whether a seat (`confirmed`) or a waitlist place (`waitlisted`).", body = Booked),
        (status = 409, description = "Cannot be booked as asked: a seat in the course is held already, the date has started or was called off.", body = crate::server::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["enrollments:write"]))
)]
pub async fn enrol(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Caller(credentials): Caller,
    Path(session): Path<String>,
    headers: HeaderMap,
    body: Body<EnrolmentRequest>,
) -> Response {
    let user = match credentials.require(Scope::EnrollmentsWrite) {
        Ok(user) => user.clone(),
        Err(error) => return ApiProblem(error).into_response(),
    };
    let session_id = match id(&session) {
        Ok(session_id) => session_id,
        Err(problem) => return problem.into_response(),
    };
    let claim = match idempotency::key_of(&headers) {
        Err(error) => return ApiProblem(error).into_response(),
        Ok(None) => None,
        Ok(Some(key)) => {
            let hash = idempotency::request_hash("POST", &format!("/sessions/{session_id}/enrollments"), &body.json);
            match idempotency::claim(&state.db, user.id, &key, &hash).await {
                Ok(Claimed::Fresh(claim)) => Some(claim),
                Ok(Claimed::Replay(answer)) => return answer,
                Err(error) => return ApiProblem(error).into_response(),
            }
        }
    };
    let token = match &credentials {
        Credentials::Token(bearer) => Some((bearer, &client)),
        _ => None,
    };
    let outcome = book(&state, &user, session_id, &body.value, claim.as_ref(), token).await;
    match (outcome, claim) {
        (Ok(answer), _) => answer,
        (Err(error), Some(claim)) => claim.settle(ApiProblem(error).into_response()).await,
        (Err(error), None) => ApiProblem(error).into_response(),
    }
}

/// Books, and writes the answer with the order when a key is claimed.
async fn book(
    state: &AppState,
    user: &User,
    session_id: i64,
    request: &EnrolmentRequest,
    claim: Option<&Claim>,
    token: Option<(&crate::server::tokens::Bearer, &Client)>,
) -> Result<Response, Error> {
    let (billing, attendees) = request.command(user)?;
    let (session, _) = state.catalogue.session(session_id).await?.ok_or(Error::NotFound)?;
    let mut write = state.catalogue.begin_write().await?;
    let placed = state.orders.place_in(&mut write, user, session_id, &billing, &attendees).await?;
    let booked = Booked {
        enrollment: Enrollment::of(&placed.enrolment, session),
        order: OrderPlaced {
            url: format!("{}/account/orders/{}", state.config.public_url, placed.reference),
            reference: placed.reference,
            invoice: placed.invoice,
        },
    };
    let body = serde_json::to_string(&booked).map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(claim) = claim {
        claim.answer_in(write.tx(), StatusCode::CREATED, &body).await?;
    }
    if let Some((bearer, client)) = token {
        let change = format!("session {session_id} booked");
        crate::server::tokens::Tokens::record_change_in(write.tx(), bearer, client, &change).await?;
    }
    write.commit().await?;
    Ok((StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}
