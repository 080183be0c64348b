//! Orders read for pages: the summary before booking, and orders as their
//! booker and the back office see them, every amount and date formatted
//! in the academy's zone.

use super::billing::Billing;
use super::format::{date as day, money as amount, rate as rate_label};
use super::money::VatTreatment;
use super::reference::creditor_reference;
use super::store::{self, OrderRow, OrderSums};
use crate::model::account::User;
use crate::model::billing::{TERMS_VERSION, country_name};
use crate::model::enrolment::EnrolmentStatus;
use crate::model::order::{AttendeeView, DocumentLink, OrderDetail, OrderLine, OrderQuote, PaymentView, SeatElsewhere};
use crate::server::db::{Db, Tx, with_tx};
use crate::server::enrolment::store::{SessionFacts, live_enrolment, session_facts};
use crate::server::enrolment::{holds, session_days};
use crate::server::error::Error;
use crate::server::present::{when, zone_label};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

/// Seats, capacity and waitlist of a session.
async fn places(tx: &mut Tx, session_id: i64) -> Result<(i64, i64, i64), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as("SELECT capacity, seats_taken, waitlist_length FROM course_sessions WHERE id = $1")
            .bind(session_id)
            .fetch_one(conn)
            .await
    })
}

/// The learner's other live bookings that overlap `session`'s times.
async fn clashes(
    tx: &mut Tx,
    user_id: i64,
    session: &SessionFacts,
) -> Result<Vec<(String, DateTime<Utc>, DateTime<Utc>)>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT c.title, s.starts_at, s.ends_at FROM enrolments e
             JOIN course_sessions s ON s.id = e.session_id JOIN courses c ON c.id = s.course_id
             WHERE e.user_id = $1 AND e.status <> 'cancelled' AND s.id <> $2 AND s.status = 'scheduled'
               AND s.starts_at < $4 AND s.ends_at > $3
             ORDER BY s.starts_at",
        )
        .bind(user_id)
        .bind(session.id)
        .bind(session.starts_at)
        .bind(session.ends_at)
        .fetch_all(conn)
        .await
    })
}

async fn company(tx: &mut Tx, user_id: i64) -> Result<String, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar("SELECT company FROM users WHERE id = $1").bind(user_id).fetch_one(conn).await
    })
}

/// "Valletta campus" and "12 Triq il-Merkanti, Valletta"; "Online" alone.
fn place(session: &SessionFacts) -> (String, Option<String>) {
    match &session.location {
        Some(name) => {
            let address = [session.location_address.clone(), session.location_city.clone()]
                .into_iter()
                .flatten()
                .filter(|part| !part.trim().is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            (name.clone(), Some(address).filter(|a| !a.is_empty()))
        }
        None => (session.mode.label().to_string(), None),
    }
}

pub async fn quote(
    db: &Db,
    billing: &Billing,
    viewer: Option<&User>,
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<OrderQuote, Error> {
    let tz = billing.tz();
    let mut tx = db.begin().await?;
    let session = session_facts(&mut tx, session_id).await?.filter(|s| s.published).ok_or(Error::NotFound)?;
    let (capacity, taken, waiting) = places(&mut tx, session_id).await?;
    let held = match viewer {
        Some(user) => live_enrolment(&mut tx, session_id, user.id).await?,
        None => None,
    };
    let overlapping = match viewer {
        Some(user) => clashes(&mut tx, user.id, &session).await?,
        None => Vec::new(),
    };
    let seat_elsewhere = match (viewer, &held) {
        (Some(user), None) => match holds::holder(&mut tx, user.id, session.course_id, now).await? {
            Some((seat, held_in)) => session_facts(&mut tx, held_in).await?.map(|other| (seat, other)),
            None => None,
        },
        _ => None,
    };
    let booker_company = match viewer {
        Some(user) => company(&mut tx, user.id).await?,
        None => String::new(),
    };
    tx.commit().await?;
    let starts = session.starts_at.with_timezone(&tz);
    let ends = session.ends_at.with_timezone(&tz);
    let hours = format!("{}–{}", starts.format("%H:%M"), ends.format("%H:%M"));
    let days = session_days(session.starts_at, session.ends_at, tz)
        .into_iter()
        .map(|d| format!("{}, {hours}", d.format("%a %-d %b %Y")))
        .collect();
    let pricing = billing.pricing();
    let line = pricing.line(String::new(), session.price_cents, VatTreatment::Standard);
    let deadline = session.starts_at - Duration::hours(session.cutoff_hours);
    let cancellation = match session.cutoff_hours {
        0 => "Free cancellation until the course starts.".to_string(),
        _ => format!(
            "Free cancellation until {} ({}); after that the seat can no longer be cancelled.",
            deadline.with_timezone(&tz).format("%a %-d %b %Y, %H:%M"),
            zone_label(tz)
        ),
    };
    let waitlist = taken >= capacity || waiting > 0;
    let availability = match (waitlist, capacity - taken) {
        (true, _) => format!("Full: you would be number {} on the waitlist.", waiting + 1),
        (false, 1) => "1 seat left.".to_string(),
        (false, n) => format!("{n} seats left."),
    };
    let closed = if session.status == "cancelled" {
        Some("This date is cancelled.".to_string())
    } else if session.status != "scheduled" || session.starts_at <= now {
        Some("This date has started: it can no longer be booked.".to_string())
    } else {
        None
    };
    let already = held.map(|held| match (held.status, held.waitlist_position) {
        (EnrolmentStatus::Waitlisted, Some(position)) => {
            format!("You're number {position} on the waitlist for this date.")
        }
        _ => "You're booked on this date.".to_string(),
    });
    let (place, address) = place(&session);
    let zone = zone_label(tz);
    Ok(OrderQuote {
        session_id,
        course_title: session.course_title.clone(),
        course_slug: session.course_slug.clone(),
        days,
        zone: zone.clone(),
        place,
        address,
        price: amount(session.price_cents, &session.currency),
        price_vat: if pricing.includes_vat { "incl. VAT" } else { "excl. VAT" }.to_string(),
        net: amount(line.net_cents, &session.currency),
        vat_label: format!("VAT {}", rate_label(line.vat_rate_bp)),
        vat: amount(line.vat_cents, &session.currency),
        total: amount(line.gross_cents, &session.currency),
        cancellation,
        availability,
        waitlist,
        closed,
        signed_in: viewer.is_some(),
        verified: viewer.is_some_and(|u| u.verified),
        already,
        clashes: overlapping
            .into_iter()
            .map(|(title, starts_at, ends_at)| format!("{title}, {} ({zone})", when(starts_at, ends_at, tz)))
            .collect(),
        seat_elsewhere: seat_elsewhere.map(|(seat, other)| SeatElsewhere {
            when: format!("{} ({zone})", when(other.starts_at, other.ends_at, tz)),
            move_href: format!("/account/enrolments/{seat}/move?to={session_id}"),
        }),
        booker_name: viewer.map(|u| u.name.clone()).unwrap_or_default(),
        booker_company,
        payment_days: billing.invoicing().payment_days,
        terms_version: TERMS_VERSION.to_string(),
    })
}

/// One order as lists show it: its sums and where its payment stands.
pub fn line(row: &OrderSums, today: NaiveDate, grace_days: i64, tz: Tz) -> OrderLine {
    let balance = row.invoiced_cents - row.paid_cents;
    let overdue = balance > 0 && row.due_on.is_some_and(|due| due + Duration::days(grace_days) < today);
    let standing = if overdue {
        "Overdue"
    } else if balance > 0 {
        "Awaiting payment"
    } else if row.invoiced_cents > 0 {
        "Paid"
    } else if balance < 0 {
        "Refund due"
    } else {
        "Nothing to pay"
    };
    OrderLine {
        reference: row.reference.clone(),
        course_title: row.course_title.clone(),
        when: format!("{} ({})", when(row.starts_at, row.ends_at, tz), zone_label(tz)),
        booked_on: day(row.created_at.with_timezone(&tz).date_naive()),
        booker: format!("{} <{}>", row.booker_name, row.booker_email),
        billing_name: row.billing_name.clone(),
        invoiced: amount(row.invoiced_cents, &row.currency),
        paid: amount(row.paid_cents, &row.currency),
        balance: amount(balance, &row.currency),
        due_on: row.due_on.map(day),
        standing: standing.to_string(),
        overdue,
    }
}

fn standing(status: EnrolmentStatus, position: Option<i64>) -> String {
    match (status, position) {
        (EnrolmentStatus::Confirmed, _) => "Seat confirmed".to_string(),
        (EnrolmentStatus::Waitlisted, Some(position)) => format!("Number {position} on the waitlist"),
        _ => "Cancelled".to_string(),
    }
}

/// The order in full: billing, attendees, documents and payments.
pub async fn detail(
    db: &Db,
    billing: &Billing,
    order: &OrderRow,
    staff: bool,
    today: NaiveDate,
) -> Result<OrderDetail, Error> {
    let tz = billing.tz();
    let sums = store::sums_of(db, order.id).await?.ok_or(Error::NotFound)?;
    let line = line(&sums, today, billing.invoicing().overdue_grace_days, tz);
    let prefix = if staff { "/admin/invoices" } else { "/account/invoices" };
    let documents = store::documents_of(db, order.id)
        .await?
        .into_iter()
        .map(|row| DocumentLink {
            kind: row.kind().title().to_string(),
            href: format!("{prefix}/{}.pdf", row.number),
            issued_on: day(row.issued_on),
            due_on: row.due_on.map(day),
            amount: amount(row.gross_cents, &row.currency),
            number: row.number,
        })
        .collect();
    let payments = store::payments_of(db, order.id)
        .await?
        .into_iter()
        .map(|p| PaymentView {
            received_on: day(p.received_on),
            amount: amount(p.amount_cents, &p.currency),
            method: crate::model::order::PAYMENT_METHODS
                .iter()
                .find(|(key, _)| *key == p.method)
                .map_or(p.method.clone(), |(_, label)| label.to_string()),
            reference: p.provider_reference,
            recorded_by: p.recorded_by_name,
        })
        .collect();
    let attendees = store::attendees(db, order.id)
        .await?
        .into_iter()
        .map(|a| AttendeeView {
            standing: standing(a.status, a.waitlist_position),
            when: format!("{} ({})", when(a.starts_at, a.ends_at, tz), zone_label(tz)),
            name: a.name,
            email: a.email,
        })
        .collect();
    let country = country_name(&order.billing_country).unwrap_or(&order.billing_country).to_string();
    let invoicing = billing.invoicing();
    Ok(OrderDetail {
        owing: sums.invoiced_cents > sums.paid_cents,
        line,
        course_slug: sums.course_slug.clone(),
        billing: vec![
            order.billing_name.clone(),
            order.billing_address.clone(),
            format!("{} {}", order.billing_postcode, order.billing_city).trim().to_string(),
            country,
        ],
        vat_number: order.vat_number.clone(),
        purchase_order: order.purchase_order.clone(),
        payment_method: crate::model::billing::PaymentMethod::parse(&order.payment_method)
            .map_or(order.payment_method.clone(), |m| m.label().to_string()),
        payment_reference: creditor_reference(&order.reference),
        iban: invoicing.iban.clone(),
        bic: invoicing.bic.clone(),
        account_holder: invoicing.legal_name.clone(),
        terms_version: order.terms_version.clone(),
        attendees,
        documents,
        payments,
    })
}
