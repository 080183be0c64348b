//! The messages an order sends its booker, each in plain text and HTML:
//! the booking with its first invoice, and each document issued later (an
//! invoice for a seat confirmed from the waitlist, a credit note for a
//! seat given up). The document itself travels as a PDF attachment.

use super::document::{DocumentKind, InvoiceDocument};
use super::format::{date, money};
use super::store::{AttendeeRow, OrderRow};
use crate::model::enrolment::EnrolmentStatus;
use crate::server::enrolment::store::{Recipient, SessionFacts};
use crate::server::mail::{self, Mail};
use crate::server::present::{when, zone_label};
use chrono_tz::Tz;

fn attendee_line(attendee: &AttendeeRow) -> String {
    match (attendee.status, attendee.waitlist_position) {
        (EnrolmentStatus::Confirmed, _) => format!("{}: seat confirmed", attendee.name),
        (EnrolmentStatus::Waitlisted, Some(position)) => format!(
            "{}: number {position} on the waitlist (nothing is invoiced unless a seat is confirmed)",
            attendee.name
        ),
        _ => format!("{}: cancelled", attendee.name),
    }
}

fn payment_paragraph(document: &InvoiceDocument) -> Option<String> {
    let (due, bank) = (document.due_on?, document.bank.as_ref()?);
    Some(format!(
        "Please pay {} by bank transfer by {} to {} (IBAN {}, BIC {}), quoting the payment reference {}.",
        money(document.totals.gross_cents, &document.currency),
        date(due),
        bank.account_holder,
        bank.iban,
        bank.bic,
        document.payment_reference
    ))
}

fn totals_paragraph(document: &InvoiceDocument) -> String {
    format!(
        "{} {} is attached: {} in all, of which VAT {}.",
        document.kind.title(),
        document.number,
        money(document.totals.gross_cents, &document.currency),
        money(document.totals.vat_cents, &document.currency)
    )
}

/// The booking: what was booked, where each attendee stands, and the
/// invoice for the seats confirmed, if any.
pub fn placed(
    to: &Recipient,
    order: &OrderRow,
    session: &SessionFacts,
    attendees: &[AttendeeRow],
    document: Option<&InvoiceDocument>,
    tz: Tz,
    public_url: &str,
) -> Mail {
    let mut paragraphs = vec![
        format!("Thank you for your booking {}.", order.reference),
        format!(
            "{}\n{} ({})\n{}",
            session.course_title,
            when(session.starts_at, session.ends_at, tz),
            zone_label(tz),
            session.place_line()
        ),
        attendees.iter().map(attendee_line).collect::<Vec<_>>().join("\n"),
    ];
    match document {
        Some(document) => {
            paragraphs.push(totals_paragraph(document));
            paragraphs.extend(payment_paragraph(document));
        }
        None => paragraphs.push(
            "Nothing is invoiced yet: if a seat is confirmed from the waitlist, its invoice follows by e-mail."
                .to_string(),
        ),
    }
    let paragraphs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    mail::message(
        &to.email,
        &format!("Your booking {}: {}", order.reference, session.course_title),
        &to.name,
        &paragraphs,
        Some(("Your order", &format!("{public_url}/account/orders/{}", order.reference))),
    )
}

/// A document issued after the booking: an invoice for a seat confirmed
/// from the waitlist, or a credit note for a seat given up.
pub fn issued(to: &Recipient, order: &OrderRow, document: &InvoiceDocument, public_url: &str) -> Mail {
    let (subject, opening) = match document.kind {
        DocumentKind::Invoice => (
            format!("Invoice {} for your booking {}", document.number, order.reference),
            "A seat on your booking was confirmed from the waitlist, so it is invoiced now.".to_string(),
        ),
        DocumentKind::CreditNote => (
            format!("Credit note {} for your booking {}", document.number, order.reference),
            format!(
                "A seat on your booking was cancelled: this credit note cancels what invoice {} charged for it. \
                 Anything already paid for it is refunded to the account it came from.",
                document.credits.as_deref().unwrap_or_default()
            ),
        ),
    };
    let mut paragraphs = vec![opening, totals_paragraph(document)];
    paragraphs.extend(payment_paragraph(document));
    let paragraphs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    mail::message(
        &to.email,
        &subject,
        &to.name,
        &paragraphs,
        Some(("Your order", &format!("{public_url}/account/orders/{}", order.reference))),
    )
}
