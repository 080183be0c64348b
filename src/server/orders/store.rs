//! The SQL of orders, invoices and payments. Every statement reads the
//! same on both backends.

use super::document::{DocumentKind, InvoiceDocument, Line};
use crate::server::db::{Db, Tx, with_pool, with_tx};
use chrono::{DateTime, NaiveDate, Utc};

/// An order as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub reference: String,
    pub booker_id: i64,
    pub session_id: i64,
    pub billing_kind: String,
    pub billing_name: String,
    pub billing_address: String,
    pub billing_postcode: String,
    pub billing_city: String,
    pub billing_country: String,
    pub vat_number: Option<String>,
    pub purchase_order: Option<String>,
    pub payment_method: String,
    pub terms_version: String,
    pub currency: String,
    pub unit_price_cents: i64,
    pub prices_include_vat: bool,
    pub vat_rate_bp: i64,
    pub reverse_charge: bool,
    pub created_at: DateTime<Utc>,
}

const ORDER_COLUMNS: &str = "o.id, o.reference, o.booker_id, o.session_id, o.billing_kind, o.billing_name,
     o.billing_address, o.billing_postcode, o.billing_city, o.billing_country, o.vat_number, o.purchase_order,
     o.payment_method, o.terms_version, o.currency, o.unit_price_cents, o.prices_include_vat, o.vat_rate_bp,
     o.reverse_charge, o.created_at";

pub struct NewOrder<'a> {
    pub reference: &'a str,
    pub booker_id: i64,
    pub session_id: i64,
    pub billing: &'a crate::model::billing::Billing,
    pub currency: &'a str,
    pub unit_price_cents: i64,
    pub prices_include_vat: bool,
    pub vat_rate_bp: i64,
    pub reverse_charge: bool,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_order(tx: &mut Tx, new: &NewOrder<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let billing = new.billing;
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO orders (reference, booker_id, session_id, billing_kind, billing_name, billing_address,
                 billing_postcode, billing_city, billing_country, vat_number, purchase_order, payment_method,
                 terms_version, currency, unit_price_cents, prices_include_vat, vat_rate_bp, reverse_charge,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)
             RETURNING id",
        )
        .bind(new.reference)
        .bind(new.booker_id)
        .bind(new.session_id)
        .bind(billing.kind.as_str())
        .bind(&billing.name)
        .bind(&billing.address)
        .bind(&billing.postcode)
        .bind(&billing.city)
        .bind(&billing.country)
        .bind(billing.vat_number.as_ref().map(|n| n.as_str()))
        .bind(billing.purchase_order.as_deref())
        .bind(billing.payment.as_str())
        .bind(&billing.terms_version)
        .bind(new.currency)
        .bind(new.unit_price_cents)
        .bind(new.prices_include_vat)
        .bind(new.vat_rate_bp)
        .bind(new.reverse_charge)
        .bind(now)
        .fetch_one(conn)
        .await
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn order(tx: &mut Tx, id: i64) -> Result<Option<OrderRow>, sqlx::Error> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = $1");
    with_tx!(tx, |conn| sqlx::query_as(&sql).bind(id).fetch_optional(conn).await)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn order_by_reference(db: &Db, reference: &str) -> Result<Option<OrderRow>, sqlx::Error> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders o WHERE o.reference = $1");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(reference).fetch_optional(pool).await)
}

/// The next number of `year`'s sequence, shared by invoices and credit
/// notes: one statement on the year's row, which stays locked until the
/// transaction ends (see the migration). Never called outside the
/// transaction that stores the document the number is for.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn next_number(tx: &mut Tx, year: i32) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO invoice_sequences (year, last_number) VALUES ($1, 1)
             ON CONFLICT (year) DO UPDATE SET last_number = invoice_sequences.last_number + 1
             RETURNING last_number",
        )
        .bind(i64::from(year))
        .fetch_one(conn)
        .await
    })
}

pub struct NewDocument<'a> {
    pub order_id: i64,
    pub year: i32,
    pub seq: i64,
    pub credits_id: Option<i64>,
    pub document: &'a InvoiceDocument,
    /// The attendee each line is for, in the document's order.
    pub attendees: &'a [i64],
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_document(tx: &mut Tx, new: &NewDocument<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let doc = new.document;
    let json = serde_json::to_string(doc).expect("a document serializes");
    let id: i64 = with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO invoices (order_id, kind, year, seq, number, credits_id, issued_on, due_on, currency,
                 net_cents, vat_cents, gross_cents, document, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(new.order_id)
        .bind(doc.kind.as_str())
        .bind(i64::from(new.year))
        .bind(new.seq)
        .bind(&doc.number)
        .bind(new.credits_id)
        .bind(doc.issued_on)
        .bind(doc.due_on)
        .bind(&doc.currency)
        .bind(doc.totals.net_cents)
        .bind(doc.totals.vat_cents)
        .bind(doc.totals.gross_cents)
        .bind(&json)
        .bind(now)
        .fetch_one(conn)
        .await
    })?;
    for (line, attendee) in doc.lines.iter().zip(new.attendees) {
        with_tx!(tx, |conn| {
            sqlx::query(
                "INSERT INTO invoice_lines (invoice_id, attendee_id, description, net_cents, vat_rate_bp, vat_cents,
                     gross_cents)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(attendee)
            .bind(&line.description)
            .bind(line.net_cents)
            .bind(line.vat_rate_bp)
            .bind(line.vat_cents)
            .bind(line.gross_cents)
            .execute(conn)
            .await
            .map(|_| ())
        })?;
    }
    Ok(id)
}

/// An invoice's line for one attendee that no credit note has credited.
#[derive(Debug, sqlx::FromRow)]
pub struct OpenLine {
    pub invoice_id: i64,
    pub number: String,
    pub description: String,
    pub net_cents: i64,
    pub vat_rate_bp: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
}

impl OpenLine {
    pub fn line(&self) -> Line {
        Line {
            description: self.description.clone(),
            quantity: 1,
            unit_net_cents: self.net_cents,
            net_cents: self.net_cents,
            vat_rate_bp: self.vat_rate_bp,
            vat_cents: self.vat_cents,
            gross_cents: self.gross_cents,
        }
    }
}

/// The attendee's invoiced lines on the order that are not credited yet.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn open_lines(tx: &mut Tx, order_id: i64, attendee_id: i64) -> Result<Vec<OpenLine>, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT i.id AS invoice_id, i.number, l.description, l.net_cents, l.vat_rate_bp, l.vat_cents, l.gross_cents
             FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
             WHERE i.order_id = $1 AND l.attendee_id = $2 AND i.kind = 'invoice'
               AND NOT EXISTS (SELECT 1 FROM invoices c JOIN invoice_lines cl ON cl.invoice_id = c.id
                               WHERE c.credits_id = i.id AND cl.attendee_id = l.attendee_id)
             ORDER BY i.id",
        )
        .bind(order_id)
        .bind(attendee_id)
        .fetch_all(conn)
        .await
    })
}

/// A document as stored: what it shows, and its place in its order.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub order_id: i64,
    pub kind: String,
    pub number: String,
    pub issued_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub gross_cents: i64,
    pub currency: String,
    pub document: String,
}

impl DocumentRow {
    pub fn kind(&self) -> DocumentKind {
        if self.kind == "credit_note" { DocumentKind::CreditNote } else { DocumentKind::Invoice }
    }

    pub fn document(&self) -> Result<InvoiceDocument, serde_json::Error> {
        serde_json::from_str(&self.document)
    }
}

const DOCUMENT_COLUMNS: &str = "id, order_id, kind, number, issued_on, due_on, gross_cents, currency, document";

#[tracing::instrument(level = "debug", skip_all)]
pub async fn documents_of(db: &Db, order_id: i64) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM invoices WHERE order_id = $1 ORDER BY year, seq");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(order_id).fetch_all(pool).await)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn document_by_number(db: &Db, number: &str) -> Result<Option<DocumentRow>, sqlx::Error> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM invoices WHERE number = $1");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(number).fetch_optional(pool).await)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn document_in(tx: &mut Tx, id: i64) -> Result<Option<DocumentRow>, sqlx::Error> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM invoices WHERE id = $1");
    with_tx!(tx, |conn| sqlx::query_as(&sql).bind(id).fetch_optional(conn).await)
}

/// An order with its sums, as lists show it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderSums {
    pub id: i64,
    pub reference: String,
    pub booker_id: i64,
    pub booker_name: String,
    pub booker_email: String,
    pub billing_name: String,
    pub payment_method: String,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub course_title: String,
    pub course_slug: String,
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Invoiced less credited.
    pub invoiced_cents: i64,
    pub paid_cents: i64,
    /// The earliest due date of its invoices, if it has any.
    pub due_on: Option<NaiveDate>,
}

const ORDER_SUMS: &str = "SELECT o.id, o.reference, o.booker_id, u.name AS booker_name, u.email AS booker_email,
            o.billing_name, o.payment_method, o.currency, o.created_at, c.title AS course_title,
            c.slug AS course_slug, s.id AS session_id, s.starts_at, s.ends_at,
            CAST(COALESCE((SELECT SUM(CASE WHEN i.kind = 'invoice' THEN i.gross_cents ELSE -i.gross_cents END)
                           FROM invoices i WHERE i.order_id = o.id), 0) AS BIGINT) AS invoiced_cents,
            CAST(COALESCE((SELECT SUM(p.amount_cents) FROM payments p WHERE p.order_id = o.id), 0) AS BIGINT)
                AS paid_cents,
            (SELECT MIN(i.due_on) FROM invoices i WHERE i.order_id = o.id AND i.kind = 'invoice') AS due_on
     FROM orders o JOIN users u ON u.id = o.booker_id
     JOIN course_sessions s ON s.id = o.session_id JOIN courses c ON c.id = s.course_id";

/// The booker's orders, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_booker(db: &Db, booker_id: i64) -> Result<Vec<OrderSums>, sqlx::Error> {
    let sql = format!("SELECT * FROM ({ORDER_SUMS} WHERE o.booker_id = $1) t ORDER BY created_at DESC, id DESC");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(booker_id).fetch_all(pool).await)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn sums_of(db: &Db, order_id: i64) -> Result<Option<OrderSums>, sqlx::Error> {
    let sql = format!("SELECT * FROM ({ORDER_SUMS} WHERE o.id = $1) t");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(order_id).fetch_optional(pool).await)
}

/// Which orders the back office lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    All,
    /// Invoiced and not yet paid in full.
    Unpaid,
    /// Unpaid past the due date and its grace (`overdue_before`).
    Overdue,
    Paid,
}

/// A page of orders for the back office, newest first, and how many there
/// are in all. `overdue_before`: an invoice due before this day is overdue.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn listed(
    db: &Db,
    standing: Standing,
    overdue_before: NaiveDate,
    search: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<OrderSums>, i64), sqlx::Error> {
    let condition = match standing {
        Standing::All => "TRUE",
        Standing::Unpaid => "invoiced_cents > paid_cents",
        Standing::Overdue => "invoiced_cents > paid_cents AND due_on < $1",
        Standing::Paid => "invoiced_cents > 0 AND invoiced_cents <= paid_cents",
    };
    let matching = "($2 = '' OR LOWER(reference) LIKE $3 ESCAPE '\\' OR LOWER(billing_name) LIKE $3 ESCAPE '\\'
                     OR LOWER(booker_email) LIKE $3 ESCAPE '\\' OR LOWER(booker_name) LIKE $3 ESCAPE '\\')";
    let pattern = crate::server::sql::like_pattern(&search.to_lowercase());
    let rows_sql = format!(
        "SELECT * FROM ({ORDER_SUMS}) t WHERE {condition} AND {matching}
         ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    );
    let count_sql = format!("SELECT COUNT(*) FROM ({ORDER_SUMS}) t WHERE {condition} AND {matching} AND $4 >= 0");
    let rows = with_pool!(db, |pool| {
        sqlx::query_as(&rows_sql)
            .bind(overdue_before)
            .bind(search)
            .bind(&pattern)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
    })?;
    let total: i64 = with_pool!(db, |pool| {
        sqlx::query_scalar(&count_sql)
            .bind(overdue_before)
            .bind(search)
            .bind(&pattern)
            .bind(limit)
            .fetch_one(pool)
            .await
    })?;
    Ok((rows, total))
}

/// How many orders are overdue, for the back office's dashboard.
pub async fn overdue_count(db: &Db, overdue_before: NaiveDate) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) FROM ({ORDER_SUMS}) t WHERE invoiced_cents > paid_cents AND due_on < $1");
    with_pool!(db, |pool| sqlx::query_scalar(&sql).bind(overdue_before).fetch_one(pool).await)
}

/// An order's attendee and where their seat stands now.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttendeeRow {
    pub enrolment_id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub status: crate::model::enrolment::EnrolmentStatus,
    pub waitlist_position: Option<i64>,
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The attendees of an order: each one's latest enrolment on it (a moved
/// seat is the new date's).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn attendees(db: &Db, order_id: i64) -> Result<Vec<AttendeeRow>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT e.id AS enrolment_id, e.user_id, u.name, u.email, e.status, e.waitlist_position, s.id AS session_id,
                    s.starts_at, s.ends_at
             FROM enrolments e JOIN users u ON u.id = e.user_id JOIN course_sessions s ON s.id = e.session_id
             WHERE e.order_id = $1
               AND e.id = (SELECT MAX(latest.id) FROM enrolments latest
                           WHERE latest.order_id = $1 AND latest.user_id = e.user_id)
             ORDER BY e.id",
        )
        .bind(order_id)
        .fetch_all(pool)
        .await
    })
}

/// A payment as recorded.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub method: String,
    pub provider: String,
    pub provider_reference: Option<String>,
    pub amount_cents: i64,
    pub currency: String,
    pub received_on: NaiveDate,
    pub recorded_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn payments_of(db: &Db, order_id: i64) -> Result<Vec<PaymentRow>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT p.id, p.method, p.provider, p.provider_reference, p.amount_cents, p.currency, p.received_on,
                    u.name AS recorded_by_name, p.created_at
             FROM payments p LEFT JOIN users u ON u.id = p.recorded_by
             WHERE p.order_id = $1 ORDER BY p.received_on, p.id",
        )
        .bind(order_id)
        .fetch_all(pool)
        .await
    })
}

pub struct NewPayment<'a> {
    pub order_id: i64,
    pub method: &'a str,
    pub provider: &'a str,
    pub provider_reference: Option<&'a str>,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub received_on: NaiveDate,
    pub recorded_by: Option<i64>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_payment(tx: &mut Tx, new: &NewPayment<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO payments (order_id, method, provider, provider_reference, amount_cents, currency,
                 received_on, recorded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.order_id)
        .bind(new.method)
        .bind(new.provider)
        .bind(new.provider_reference)
        .bind(new.amount_cents)
        .bind(new.currency)
        .bind(new.received_on)
        .bind(new.recorded_by)
        .bind(now)
        .fetch_one(conn)
        .await
    })
}

/// Locks the order's row until the transaction ends, so two payments
/// recorded at once are each checked against what the other left.
pub async fn lock_order(tx: &mut Tx, order_id: i64) -> Result<Option<OrderRow>, sqlx::Error> {
    match tx {
        Tx::Postgres(conn) => {
            let sql = format!("SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = $1 FOR UPDATE");
            sqlx::query_as(&sql).bind(order_id).fetch_optional(&mut **conn).await
        }
        Tx::Sqlite(_) => order(tx, order_id).await,
    }
}

/// Invoiced less credited less paid, in the order's currency.
pub async fn balance_in(tx: &mut Tx, order_id: i64) -> Result<i64, sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query_scalar(
            "SELECT CAST(COALESCE((SELECT SUM(CASE WHEN kind = 'invoice' THEN gross_cents ELSE -gross_cents END)
                                   FROM invoices WHERE order_id = $1), 0)
                       - COALESCE((SELECT SUM(amount_cents) FROM payments WHERE order_id = $1), 0) AS BIGINT)",
        )
        .bind(order_id)
        .fetch_one(conn)
        .await
    })
}

/// Removes the billing details of the booker's orders that were never
/// invoiced, as their account is deleted. An invoiced order keeps its own:
/// they are on its invoices, which the law requires the academy to keep.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn forget_in(tx: &mut Tx, booker_id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    with_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE orders SET billing_name = '', billing_address = '', billing_postcode = '', billing_city = '',
                 vat_number = NULL, purchase_order = NULL, updated_at = $2
             WHERE booker_id = $1 AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = orders.id)",
        )
        .bind(booker_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
    })
}

/// Every order the user booked, for their data export.
pub async fn booked_by(db: &Db, booker_id: i64) -> Result<Vec<OrderRow>, sqlx::Error> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders o WHERE o.booker_id = $1 ORDER BY o.id");
    with_pool!(db, |pool| sqlx::query_as(&sql).bind(booker_id).fetch_all(pool).await)
}
