//! Orders as pages show them: the summary before booking, a booker's
//! orders and one order with its documents and payments, and the back
//! office's list. Every amount and date is formatted on the server, in the
//! academy's zone, so the pages only lay them out.

use serde::{Deserialize, Serialize};

/// What a session would cost and give, before anyone books it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderQuote {
    pub session_id: i64,
    pub course_title: String,
    pub course_slug: String,
    /// Each day with its hours: "Tue 8 Dec 2026, 09:00–16:00".
    pub days: Vec<String>,
    /// "Malta time".
    pub zone: String,
    /// The campus, or "Online".
    pub place: String,
    /// The campus's street address and city; `None` online.
    pub address: Option<String>,
    /// "€1,495.00".
    pub price: String,
    /// "incl. VAT" or "excl. VAT".
    pub price_vat: String,
    pub net: String,
    /// "VAT 18%".
    pub vat_label: String,
    pub vat: String,
    pub total: String,
    /// Until when a confirmed seat can be cancelled free of charge.
    pub cancellation: String,
    /// "4 seats left", or "Full: you would be number 3 on the waitlist".
    pub availability: String,
    /// Whether booking now gives a waitlist place rather than a seat.
    pub waitlist: bool,
    /// Why it cannot be booked (started, cancelled); `None` when it can.
    pub closed: Option<String>,
    /// Whether the visitor is signed in; only then can they book.
    pub signed_in: bool,
    /// Whether their address is confirmed: booking needs it.
    pub verified: bool,
    /// What the visitor already holds here: "You're booked on this date."
    pub already: Option<String>,
    /// The visitor's other bookings at the same time.
    pub clashes: Vec<String>,
    /// The visitor's seat in another date of this course, which they move
    /// rather than book a second (one live seat per course).
    pub seat_elsewhere: Option<SeatElsewhere>,
    /// The booker's name, to fill the billing name.
    pub booker_name: String,
    /// The booker's company, to fill the company name.
    pub booker_company: String,
    pub payment_days: i64,
    pub terms_version: String,
}

/// A seat the visitor holds in another date of the course being booked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatElsewhere {
    /// "Tue 8 Dec 2026, 09:00–16:00 (Malta time)".
    pub when: String,
    /// The page that moves that seat to the date being booked.
    pub move_href: String,
}

/// A document of an order, to download.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLink {
    /// "Invoice" or "Credit note".
    pub kind: String,
    pub number: String,
    pub issued_on: String,
    pub due_on: Option<String>,
    pub amount: String,
    /// Where its PDF is.
    pub href: String,
}

/// A payment received, as staff recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub received_on: String,
    pub amount: String,
    pub method: String,
    pub reference: Option<String>,
    pub recorded_by: Option<String>,
}

/// An attendee of an order and where their place stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeView {
    pub name: String,
    pub email: String,
    /// "Seat confirmed", "Number 2 on the waitlist", "Cancelled".
    pub standing: String,
    pub when: String,
}

/// One order in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub reference: String,
    pub course_title: String,
    pub when: String,
    pub booked_on: String,
    pub booker: String,
    pub billing_name: String,
    pub invoiced: String,
    pub paid: String,
    pub balance: String,
    pub due_on: Option<String>,
    /// "Paid", "Awaiting payment", "Overdue", "No invoice yet", "Credited".
    pub standing: String,
    pub overdue: bool,
}

/// One order in full.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub line: OrderLine,
    pub course_slug: String,
    pub billing: Vec<String>,
    pub vat_number: Option<String>,
    pub purchase_order: Option<String>,
    pub payment_method: String,
    pub payment_reference: String,
    pub iban: String,
    pub bic: String,
    pub account_holder: String,
    pub terms_version: String,
    pub attendees: Vec<AttendeeView>,
    pub documents: Vec<DocumentLink>,
    pub payments: Vec<PaymentView>,
    /// Whether the balance is positive: the payment instructions apply.
    pub owing: bool,
}

/// The back office's list of orders.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub query: OrderQuery,
    pub orders: Vec<OrderLine>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub overdue: i64,
}

/// Which orders the back office lists, from its query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderQuery {
    #[serde(default)]
    pub q: String,
    /// "", "unpaid", "overdue" or "paid".
    #[serde(default)]
    pub standing: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl OrderQuery {
    /// The query of `/admin/orders?{raw}`; what it does not know, it ignores.
    pub fn parse(raw: &str) -> Self {
        let mut query = OrderQuery::default();
        for (key, value) in super::url::parse_pairs(raw.trim_start_matches('?')) {
            match key.as_str() {
                "q" => query.q = value.chars().take(100).collect(),
                "standing" if matches!(value.as_str(), "unpaid" | "overdue" | "paid") => query.standing = value,
                "page" => query.page = value.parse().ok().filter(|p: &i64| *p >= 1),
                _ => {}
            }
        }
        query
    }

    /// The address of page `page` of this query.
    pub fn href(&self, page: i64) -> String {
        let page = page.to_string();
        let mut pairs = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.as_str()));
        }
        if !self.standing.is_empty() {
            pairs.push(("standing", self.standing.as_str()));
        }
        if page != "1" {
            pairs.push(("page", page.as_str()));
        }
        match pairs.is_empty() {
            true => "/admin/orders".to_string(),
            false => format!("/admin/orders?{}", super::url::encode_pairs(pairs)),
        }
    }
}

/// The back office's form to record money received.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    pub amount: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub received_on: String,
    /// "transfer", "cash" or "other".
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub reference: String,
}

/// Ways staff record money as received (a card provider records its own).
pub const PAYMENT_METHODS: &[(&str, &str)] = &[("transfer", "Bank transfer"), ("cash", "Cash"), ("other", "Other")];
