//! Orders: booking a session with billing details, accepted terms and a
//! way of paying; the invoices and credit notes that follow; payments
//! staff record against them; and the orders each booker and the back
//! office see.
//!
//! An order is placed in one catalogue write: the order, the booker's seat
//! or waitlist place (through enrolment's own rules, [`Enrolments::enrol_in`]),
//! the invoice for a seat confirmed, its number and the mail that sends
//! it commit together or not at all. Later documents come from enrolment
//! itself ([`billing`]): an invoice when a waitlisted attendee is promoted,
//! a credit note when an invoiced seat is cancelled.

pub mod billing;
pub mod document;
mod emails;
pub mod format;
pub mod money;
pub mod notices;
pub mod pdf;
pub mod reference;
pub mod store;
mod views;

use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::billing::{Attendees, Billing as BillingDetails, Colleague};
use crate::model::enrolment::EnrolmentStatus;
use crate::model::form::{Checks, Field, FieldError, Problem};
use crate::model::order::{OrderDetail, OrderList, OrderQuery, OrderQuote, PAYMENT_METHODS, PaymentForm};
use crate::server::audit::{Acting, Change, Diff};
use crate::server::catalogue::Catalogue;
use crate::server::db::Db;
use crate::server::enrolment::{Enrolment, Enrolments};
use crate::server::error::Error;
use crate::server::jobs::queue;
use billing::Billing;
use chrono::{NaiveDate, Utc};
use notices::DocumentMail;
use std::sync::Arc;
use store::Standing;

/// Orders the back office lists a page.
const PAGE_SIZE: i64 = 25;

/// An order just placed.
#[derive(Clone, Debug)]
pub struct Placed {
    pub id: i64,
    pub reference: String,
    /// The first attendee's place (the booker's, when they attend).
    pub enrolment: Enrolment,
    /// The invoice's number, when a seat was confirmed.
    pub invoice: Option<String>,
}

#[derive(Clone)]
pub struct Orders {
    db: Db,
    catalogue: Catalogue,
    enrolments: Enrolments,
    billing: Billing,
    public_url: Arc<str>,
}

impl Orders {
    pub fn new(db: Db, catalogue: Catalogue, enrolments: Enrolments, billing: Billing, public_url: &str) -> Self {
        Self { db, catalogue, enrolments, billing, public_url: public_url.into() }
    }

    pub fn billing(&self) -> &Billing {
        &self.billing
    }

    /// What booking the session would cost and give `viewer` (anyone may
    /// look; only a signed-in learner may book).
    pub async fn quote(&self, viewer: Option<&User>, session_id: i64) -> Result<OrderQuote, Error> {
        views::quote(&self.db, &self.billing, viewer, session_id, Utc::now()).await
    }

    /// Places an order for the booker's own seat (or waitlist place).
    pub async fn place(&self, booker: &User, session_id: i64, details: &BillingDetails) -> Result<Placed, Error> {
        self.place_for(booker, session_id, details, &Attendees::booker_only()).await
    }

    /// Places an order: a seat (or a waitlist place, once the seats are
    /// gone) for each attendee, in the order named, the booker first when
    /// they attend; billed as `details` say, with one invoice for the seats
    /// confirmed. A colleague without an account gets one, with no password
    /// until they set one. Everything commits together, or nothing does.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = booker.id, session_id))]
    pub async fn place_for(
        &self,
        booker: &User,
        session_id: i64,
        details: &BillingDetails,
        attendees: &Attendees,
    ) -> Result<Placed, Error> {
        let mut write = self.catalogue.begin_write().await?;
        let placed = self.place_in(&mut write, booker, session_id, details, attendees).await?;
        write.commit().await?;
        Ok(placed)
    }

    /// Places an order as [`Orders::place_for`] does, in `write`, for the
    /// caller to commit with whatever else must commit with it (the API's
    /// answer to an idempotent request).
    pub async fn place_in(
        &self,
        write: &mut crate::server::catalogue::Write<'_>,
        booker: &User,
        session_id: i64,
        details: &BillingDetails,
        attendees: &Attendees,
    ) -> Result<Placed, Error> {
        let now = Utc::now();
        let tx = write.tx();
        let session = crate::server::enrolment::store::session_facts(tx, session_id)
            .await?
            .filter(|s| s.published)
            .ok_or(Error::NotFound)?;
        let invoicing = self.billing.invoicing();
        let online = session.mode == crate::model::query::Mode::Online;
        let vat_country = details.vat_number.as_ref().map(|n| n.country());
        let treatment = money::treatment(online, vat_country, &invoicing.country);
        let pricing = self.billing.pricing();
        let reference = reference::new_order_reference();
        let new = store::NewOrder {
            reference: &reference,
            booker_id: booker.id,
            session_id,
            billing: details,
            currency: &session.currency,
            unit_price_cents: session.price_cents,
            prices_include_vat: pricing.includes_vat,
            vat_rate_bp: pricing.rate_bp,
            reverse_charge: treatment == money::VatTreatment::ReverseCharge,
        };
        let id = store::insert_order(tx, &new, now).await?;
        let mut places = Vec::with_capacity(attendees.count());
        if attendees.booker {
            places.push((booker.id, self.enrolments.enrol_in(tx, booker, booker.id, session_id, now).await?));
        }
        for colleague in &attendees.colleagues {
            let attendee = colleague_account(tx, colleague, now).await?;
            places.push((attendee, self.enrolments.enrol_colleague_in(tx, booker, attendee, session_id, now).await?));
        }
        for (_, enrolment) in &places {
            crate::server::enrolment::store::set_order(tx, enrolment.id, id).await?;
        }
        let confirmed: Vec<i64> =
            places.iter().filter(|(_, e)| e.status == EnrolmentStatus::Confirmed).map(|(who, _)| *who).collect();
        let invoice = match confirmed.is_empty() {
            true => None,
            false => Some(self.billing.invoice_placed(tx, id, &session, &confirmed, now).await?),
        };
        queue::enqueue_in(tx, DocumentMail::placed(id, booker.id, invoice.as_ref().map(|i| i.id)).job()).await?;
        let enrolment = places.first().map(|(_, e)| e.clone()).ok_or(Error::NotFound)?;
        Ok(Placed { id, reference, enrolment, invoice: invoice.map(|i| i.number) })
    }

    /// The booker's orders, newest first.
    pub async fn of_booker(&self, booker: &User) -> Result<Vec<crate::model::order::OrderLine>, Error> {
        let today = self.today();
        let grace = self.billing.invoicing().overdue_grace_days;
        Ok(store::of_booker(&self.db, booker.id)
            .await?
            .into_iter()
            .map(|row| views::line(&row, today, grace, self.billing.tz()))
            .collect())
    }

    fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.billing.tz()).date_naive()
    }

    /// The order `reference` in full, for its booker or staff; `NotFound`
    /// for anyone else (someone else's order is not theirs to know of).
    pub async fn detail(&self, viewer: &User, reference: &str) -> Result<OrderDetail, Error> {
        let order = self.visible(viewer, reference).await?;
        views::detail(&self.db, &self.billing, &order, viewer.role.includes(Role::Staff), self.today()).await
    }

    async fn visible(&self, viewer: &User, reference: &str) -> Result<store::OrderRow, Error> {
        store::order_by_reference(&self.db, reference.trim())
            .await?
            .filter(|o| o.booker_id == viewer.id || viewer.role.includes(Role::Staff))
            .ok_or(Error::NotFound)
    }

    /// A document's PDF and its file name, for the order's booker or staff.
    pub async fn pdf(&self, viewer: &User, number: &str) -> Result<(String, Vec<u8>), Error> {
        let row = store::document_by_number(&self.db, number).await?.ok_or(Error::NotFound)?;
        let mut tx = self.db.begin().await?;
        let order = store::order(&mut tx, row.order_id).await?;
        tx.commit().await?;
        order.filter(|o| o.booker_id == viewer.id || viewer.role.includes(Role::Staff)).ok_or(Error::NotFound)?;
        let document = row.document().map_err(|e| Error::Internal(format!("document {number}: {e}")))?;
        let name = document.file_name();
        let bytes = tokio::task::spawn_blocking(move || pdf::render(&document))
            .await
            .map_err(|e| Error::Internal(format!("pdf: {e}")))?
            .map_err(|e| Error::Internal(format!("pdf: {e}")))?;
        Ok((name, bytes))
    }

    /// The back office's list of orders.
    pub async fn list(&self, viewer: &User, query: &OrderQuery) -> Result<OrderList, Error> {
        crate::server::auth::must_be(viewer, Role::Staff)?;
        let standing = match query.standing.as_str() {
            "unpaid" => Standing::Unpaid,
            "overdue" => Standing::Overdue,
            "paid" => Standing::Paid,
            _ => Standing::All,
        };
        let today = self.today();
        let grace = self.billing.invoicing().overdue_grace_days;
        let overdue_before = today - chrono::Duration::days(grace);
        let page = query.page.unwrap_or(1).clamp(1, 100_000);
        let (rows, total) =
            store::listed(&self.db, standing, overdue_before, query.q.trim(), PAGE_SIZE, (page - 1) * PAGE_SIZE)
                .await?;
        Ok(OrderList {
            query: query.clone(),
            orders: rows.iter().map(|row| views::line(row, today, grace, self.billing.tz())).collect(),
            total,
            page,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            overdue: store::overdue_count(&self.db, overdue_before).await?,
        })
    }

    /// How many orders are unpaid past their due date and its grace.
    pub async fn overdue(&self) -> Result<i64, Error> {
        let before = self.today() - chrono::Duration::days(self.billing.invoicing().overdue_grace_days);
        Ok(store::overdue_count(&self.db, before).await?)
    }

    /// Records money received for an order (staff): a bank transfer
    /// matched by its reference, cash at the desk. A negative amount is a
    /// refund. Audited.
    pub async fn record_payment(
        &self,
        actor: impl Into<Acting<'_>>,
        reference: &str,
        form: &PaymentForm,
    ) -> Result<(), Error> {
        let acting = actor.into();
        crate::server::auth::must_be(acting.user, Role::Staff)?;
        let (amount, received_on, method, bank_reference) = parse_payment(form, self.today())?;
        let order = store::order_by_reference(&self.db, reference.trim()).await?.ok_or(Error::NotFound)?;
        let mut tx = self.db.begin_write().await?;
        let order = store::lock_order(&mut tx, order.id).await?.ok_or(Error::NotFound)?;
        let new = store::NewPayment {
            order_id: order.id,
            method,
            provider: "manual",
            provider_reference: bank_reference.as_deref(),
            amount_cents: amount,
            currency: &order.currency,
            received_on,
            recorded_by: Some(acting.user.id),
        };
        let id = store::insert_payment(&mut tx, &new, Utc::now()).await?;
        let mut diff = Diff::default();
        diff.created("amount_cents", amount).created("received_on", received_on).created("method", method);
        let change = Change {
            action: "order.payment_recorded",
            entity: "order",
            entity_id: order.id,
            about: Some(order.booker_id),
            diff: &diff,
        };
        acting.record_in(&mut tx, change).await?;
        tracing::info!(order_id = order.id, payment_id = id, "payment recorded");
        tx.commit().await?;
        Ok(())
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The user's orders as their data export gives them: billing, the
    /// terms accepted, attendees, documents (with where to download each)
    /// and payments.
    pub async fn export(&self, user: &User) -> Result<serde_json::Value, Error> {
        let mut orders = Vec::new();
        for order in store::booked_by(&self.db, user.id).await? {
            let documents = store::documents_of(&self.db, order.id).await?;
            let payments = store::payments_of(&self.db, order.id).await?;
            let attendees = store::attendees(&self.db, order.id).await?;
            orders.push(serde_json::json!({
                "reference": order.reference,
                "placed_at": order.created_at,
                "session_id": order.session_id,
                "billing": {
                    "kind": order.billing_kind,
                    "name": order.billing_name,
                    "address": order.billing_address,
                    "postcode": order.billing_postcode,
                    "city": order.billing_city,
                    "country": order.billing_country,
                    "vat_number": order.vat_number,
                    "purchase_order": order.purchase_order,
                },
                "payment_method": order.payment_method,
                "terms_version": order.terms_version,
                "currency": order.currency,
                "unit_price_cents": order.unit_price_cents,
                "attendees": attendees.iter().map(|a| serde_json::json!({
                    "name": a.name,
                    "email": a.email,
                    "status": a.status,
                    "waitlist_position": a.waitlist_position,
                    "session_id": a.session_id,
                })).collect::<Vec<_>>(),
                "documents": documents.iter().map(|d| serde_json::json!({
                    "kind": d.kind,
                    "number": d.number,
                    "issued_on": d.issued_on,
                    "due_on": d.due_on,
                    "gross_cents": d.gross_cents,
                    "currency": d.currency,
                    "pdf": format!("{}/account/invoices/{}.pdf", self.public_url, d.number),
                })).collect::<Vec<_>>(),
                "payments": payments.iter().map(|p| serde_json::json!({
                    "received_on": p.received_on,
                    "amount_cents": p.amount_cents,
                    "currency": p.currency,
                    "method": p.method,
                    "reference": p.provider_reference,
                })).collect::<Vec<_>>(),
            }));
        }
        Ok(serde_json::Value::Array(orders))
    }
}

/// The account of a colleague named on an order, by their address: theirs
/// if they have one, else a new one in the name given, which opens only
/// once its owner sets a password with a reset link. Two orders naming a
/// new address at once: the second is refused and may simply be sent again.
async fn colleague_account(
    tx: &mut crate::server::db::Tx,
    colleague: &Colleague,
    now: chrono::DateTime<Utc>,
) -> Result<i64, Error> {
    use crate::server::accounts::store::{NewUser, insert_user};
    if let Some(id) = crate::server::enrolment::store::user_id_by_email(tx, colleague.email.as_str()).await? {
        return Ok(id);
    }
    let new = NewUser {
        email: colleague.email.as_str(),
        name: &colleague.name,
        password_hash: crate::server::accounts::password::NO_PASSWORD,
        role: Role::Learner,
        verified_at: None,
    };
    match insert_user(tx, &new, now).await {
        Ok(id) => Ok(id),
        Err(error) if crate::server::accounts::LIVE_EMAIL.violated_by(&error) => {
            Err(Error::Refused(AppError::Conflict(crate::model::enrolment::Refusal::AttendeeBooked)))
        }
        Err(error) => Err(error.into()),
    }
}

/// A payment form's amount, day, method and bank reference, or every
/// problem with it.
fn parse_payment(
    form: &PaymentForm,
    today: NaiveDate,
) -> Result<(i64, NaiveDate, &'static str, Option<String>), Error> {
    let mut checks = Checks::default();
    let text = form.amount.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim()),
        None => (false, text),
    };
    let amount = match digits.is_empty() {
        true => {
            checks.add(Field::Amount, Problem::Required);
            None
        }
        false => checks.take(Field::Amount, crate::server::catalogue::changes::price_cents(digits)).and_then(|cents| {
            match cents {
                0 => {
                    checks.add(Field::Amount, Problem::MalformedPrice);
                    None
                }
                cents => Some(if negative { -cents } else { cents }),
            }
        }),
    };
    let received_on = match NaiveDate::parse_from_str(form.received_on.trim(), "%Y-%m-%d") {
        Ok(day) if day > today => {
            checks.add(Field::Date, Problem::InTheFuture);
            None
        }
        Ok(day) => Some(day),
        Err(_) => {
            checks.add(Field::Date, Problem::MalformedDate);
            None
        }
    };
    let method = PAYMENT_METHODS.iter().find(|(key, _)| *key == form.method).map(|(key, _)| *key);
    if method.is_none() {
        checks.add(Field::PaymentMethod, Problem::UnknownChoice);
    }
    checks.check(Field::Reference, crate::model::form::check_line(&form.reference, false, 100));
    checks.finish().map_err(|problems: Vec<FieldError>| Error::Refused(AppError::Invalid(problems)))?;
    let reference = Some(form.reference.trim().to_string()).filter(|r| !r.is_empty());
    let (Some(amount), Some(day), Some(method)) = (amount, received_on, method) else {
        unreachable!("a form that passed its checks has every value")
    };
    Ok((amount, day, method, reference))
}
