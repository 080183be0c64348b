//! Issuing documents: an invoice when an order's seats are confirmed (at
//! once, or later from the waitlist), a credit note when an invoiced seat
//! is given up. Each runs inside the transaction of the change that
//! causes it, under the session's lock, so a seat is invoiced once and
//! credited once; the document's number comes from the year's sequence in
//! that same transaction (see `store::next_number`), and the mail that
//! sends it is queued there too.
//!
//! Enrolment calls this for promotions and cancellations, and orders for
//! the seats confirmed when an order is placed: the one place an amount is
//! computed and a number taken.

use super::document::{BankDetails, DocumentKind, InvoiceDocument, Party};
use super::money::{self, Pricing, REVERSE_CHARGE_NOTE};
use super::notices::DocumentMail;
use super::store::{self, NewDocument, OrderRow};
use crate::model::billing::country_name;
use crate::server::config::Invoicing;
use crate::server::enrolment::store::{SessionFacts, recipient};
use crate::server::error::Error;
use crate::server::jobs::queue;
use crate::server::present::{when, zone_label};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::sync::Arc;

#[derive(Clone)]
pub struct Billing {
    invoicing: Arc<Invoicing>,
    prices_include_vat: bool,
    tz: Tz,
}

/// A document just issued.
#[derive(Clone, Debug)]
pub struct Issued {
    pub id: i64,
    pub number: String,
}

impl Billing {
    pub fn new(invoicing: Invoicing, prices_include_vat: bool, tz: Tz) -> Self {
        Self { invoicing: Arc::new(invoicing), prices_include_vat, tz }
    }

    pub fn invoicing(&self) -> &Invoicing {
        &self.invoicing
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// How prices are read now, for an order about to be placed.
    pub fn pricing(&self) -> Pricing {
        Pricing { includes_vat: self.prices_include_vat, rate_bp: self.invoicing.vat_rate_bp }
    }

    /// The academy as a document names it.
    fn seller(&self) -> Party {
        Party {
            name: self.invoicing.legal_name.clone(),
            contact: None,
            address: self.invoicing.address.clone(),
            vat_number: Some(self.invoicing.vat_number.clone()),
        }
    }

    fn buyer(order: &OrderRow, booker: &str) -> Party {
        let country = country_name(&order.billing_country).unwrap_or(&order.billing_country);
        let postal = format!("{} {}", order.billing_postcode, order.billing_city).trim().to_string();
        Party {
            name: order.billing_name.clone(),
            contact: (order.billing_kind == "company").then(|| booker.to_string()),
            address: vec![order.billing_address.clone(), postal, country.to_string()],
            vat_number: order.vat_number.clone(),
        }
    }

    /// "Course, Tue 8 Dec 2026, 09:00–16:00 (Malta time), Valletta campus: Ann Borg"
    fn description(&self, session: &SessionFacts, attendee: &str) -> String {
        let place = match (&session.location, &session.location_address) {
            (Some(name), Some(address)) => format!("{name}, {address}"),
            (Some(name), None) => name.clone(),
            _ => session.mode.label().to_string(),
        };
        format!(
            "{}, {} ({}), {place}. Attendee: {attendee}",
            session.course_title,
            when(session.starts_at, session.ends_at, self.tz),
            zone_label(self.tz)
        )
    }

    /// The day a new invoice falls due: the academy's payment terms, but
    /// never after the day before the course begins (nor before today).
    pub fn due_on(&self, today: NaiveDate, starts_at: DateTime<Utc>) -> NaiveDate {
        let terms = today + Duration::days(self.invoicing.payment_days);
        let eve = starts_at.with_timezone(&self.tz).date_naive() - Duration::days(1);
        terms.min(eve).max(today)
    }

    /// The next number of the year `today` is in, formatted: "2026-000042".
    async fn number(tx: &mut crate::server::db::Tx, today: NaiveDate) -> Result<(i32, i64, String), Error> {
        let year = today.year();
        let seq = store::next_number(tx, year).await?;
        Ok((year, seq, format!("{year}-{seq:06}")))
    }

    fn notes(&self, order: &OrderRow) -> Vec<String> {
        let mut notes = Vec::new();
        if order.reverse_charge {
            notes.push(REVERSE_CHARGE_NOTE.to_string());
        }
        notes
    }

    /// Issues one invoice for the seats of `attendees` on the order,
    /// confirmed in `session` from its waitlist just now, and queues the
    /// mail that sends it to the booker.
    pub async fn invoice_seats(
        &self,
        tx: &mut crate::server::db::Tx,
        order_id: i64,
        session: &SessionFacts,
        attendees: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Issued, Error> {
        let (issued, order) = self.invoice(tx, order_id, session, attendees, now).await?;
        queue::enqueue_in(tx, DocumentMail::issued(&order, issued.id).job()).await?;
        Ok(issued)
    }

    /// Invoices the attendee's seat on the order, confirmed in `session`
    /// just now, unless it is invoiced and not credited already: a seat
    /// promoted from the waitlist, or one moved out of a date the academy
    /// called off (whose credit note was issued then).
    pub async fn invoice_if_unbilled(
        &self,
        tx: &mut crate::server::db::Tx,
        order_id: i64,
        session: &SessionFacts,
        attendee: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Issued>, Error> {
        if !store::open_lines(tx, order_id, attendee).await?.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.invoice_seats(tx, order_id, session, &[attendee], now).await?))
    }

    /// Issues the invoice of an order being placed, for the seats it
    /// confirmed; the booking's own mail sends it.
    pub async fn invoice_placed(
        &self,
        tx: &mut crate::server::db::Tx,
        order_id: i64,
        session: &SessionFacts,
        attendees: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Issued, Error> {
        Ok(self.invoice(tx, order_id, session, attendees, now).await?.0)
    }

    /// One invoice for the seats of `attendees` on the order, at the
    /// order's prices (as they were when it was placed).
    async fn invoice(
        &self,
        tx: &mut crate::server::db::Tx,
        order_id: i64,
        session: &SessionFacts,
        attendees: &[i64],
        now: DateTime<Utc>,
    ) -> Result<(Issued, OrderRow), Error> {
        let order = store::order(tx, order_id).await?.ok_or(Error::NotFound)?;
        let booker = recipient(tx, order.booker_id).await?.map(|r| r.name).unwrap_or_default();
        let pricing = Pricing { includes_vat: order.prices_include_vat, rate_bp: order.vat_rate_bp };
        let treatment =
            if order.reverse_charge { money::VatTreatment::ReverseCharge } else { money::VatTreatment::Standard };
        let mut lines = Vec::with_capacity(attendees.len());
        for attendee in attendees {
            let name = recipient(tx, *attendee).await?.map(|r| r.name).unwrap_or_default();
            lines.push(pricing.line(self.description(session, &name), order.unit_price_cents, treatment));
        }
        let today = now.with_timezone(&self.tz).date_naive();
        let (year, seq, number) = Self::number(tx, today).await?;
        let document = InvoiceDocument {
            kind: DocumentKind::Invoice,
            number: number.clone(),
            issued_on: today,
            due_on: Some(self.due_on(today, session.starts_at)),
            credits: None,
            seller: self.seller(),
            buyer: Self::buyer(&order, &booker),
            order_reference: order.reference.clone(),
            payment_reference: super::reference::creditor_reference(&order.reference),
            purchase_order: order.purchase_order.clone(),
            bank: Some(BankDetails {
                account_holder: self.invoicing.legal_name.clone(),
                iban: self.invoicing.iban.clone(),
                bic: self.invoicing.bic.clone(),
            }),
            currency: order.currency.clone(),
            totals: money::totals(&lines),
            lines,
            notes: self.notes(&order),
        };
        let new = NewDocument { order_id, year, seq, credits_id: None, document: &document, attendees };
        let id = store::insert_document(tx, &new, now).await?;
        Ok((Issued { id, number }, order))
    }

    /// Credits what was invoiced for the attendee's seat on the order, one
    /// credit note per invoice it was on; nothing when it was never
    /// invoiced (a waitlist place) or is credited already.
    pub async fn credit_seat(
        &self,
        tx: &mut crate::server::db::Tx,
        order_id: i64,
        attendee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Issued>, Error> {
        let open = store::open_lines(tx, order_id, attendee_id).await?;
        if open.is_empty() {
            return Ok(Vec::new());
        }
        let order = store::order(tx, order_id).await?.ok_or(Error::NotFound)?;
        let booker = recipient(tx, order.booker_id).await?.map(|r| r.name).unwrap_or_default();
        let today = now.with_timezone(&self.tz).date_naive();
        let mut issued = Vec::new();
        for credited in open {
            let original = store::document_in(tx, credited.invoice_id).await?.ok_or(Error::NotFound)?;
            let original = original.document().map_err(|e| Error::Internal(format!("invoice document: {e}")))?;
            let lines = vec![credited.line()];
            let (year, seq, number) = Self::number(tx, today).await?;
            let mut notes = vec![format!(
                "This credit note cancels the seat invoiced on invoice {} of {}.",
                credited.number,
                super::format::date(original.issued_on)
            )];
            notes.extend(self.notes(&order));
            let document = InvoiceDocument {
                kind: DocumentKind::CreditNote,
                number: number.clone(),
                issued_on: today,
                due_on: None,
                credits: Some(credited.number.clone()),
                // The parties as the invoice named them.
                seller: original.seller.clone(),
                buyer: Party {
                    contact: Some(booker.clone()).filter(|_| original.buyer.contact.is_some()),
                    ..original.buyer
                },
                order_reference: order.reference.clone(),
                payment_reference: original.payment_reference,
                purchase_order: original.purchase_order,
                bank: None,
                currency: original.currency,
                totals: money::totals(&lines),
                lines,
                notes,
            };
            let new = NewDocument {
                order_id,
                year,
                seq,
                credits_id: Some(credited.invoice_id),
                document: &document,
                attendees: &[attendee_id],
            };
            let id = store::insert_document(tx, &new, now).await?;
            queue::enqueue_in(tx, DocumentMail::issued(&order, id).job()).await?;
            issued.push(Issued { id, number });
        }
        Ok(issued)
    }
}
