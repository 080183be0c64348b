//! Orders: booking through the order step, invoices numbered without gaps
//! whatever the concurrency and however many instances, credit notes for
//! seats given up, invoices for seats confirmed from the waitlist, payments
//! staff record, and amounts exact to the cent.

use crate::enrolment::{people, refused_with, set, two_sessions};
use crate::helpers::TestApp;
use crate::visitor::{Visitor, count};
use lyceum::error::AppError;
use lyceum::model::account::{Role, User};
use lyceum::model::billing::{Billing, BillingForm};
use lyceum::model::enrolment::{EnrolmentStatus, Refusal};
use lyceum::model::order::{OrderQuery, PaymentForm};
use lyceum::server::error::Error;
use lyceum::server::orders::document::InvoiceDocument;
use lyceum::server::orders::money::{Pricing, VatTreatment};

pub fn private(name: &str) -> Billing {
    BillingForm {
        billing: "private".into(),
        billing_name: name.into(),
        address: "3 Triq San Pawl".into(),
        postcode: "SPB 1010".into(),
        city: "St Paul's Bay".into(),
        country: "MT".into(),
        payment: "transfer".into(),
        accept_terms: Some("on".into()),
        ..BillingForm::default()
    }
    .parse()
    .expect("a private billing parses")
}

/// Every document of the database, in number order: (number, kind, gross).
async fn documents(app: &TestApp) -> Vec<(String, String, i64)> {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT number, kind, gross_cents FROM invoices ORDER BY year, seq")
            .fetch_all(pool)
            .await
            .unwrap()
    })
}

async fn document(app: &TestApp, number: &str) -> InvoiceDocument {
    let json: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT document FROM invoices WHERE number = $1")
            .bind(number)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    serde_json::from_str(&json).unwrap()
}

fn year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().with_timezone(&chrono_tz::Europe::Malta).year()
}

/// Whether `numbers` are `YEAR-000001`, `YEAR-000002`, ... with no gap.
pub fn gapless(numbers: &[String]) -> bool {
    numbers.iter().enumerate().all(|(i, n)| *n == format!("{}-{:06}", year(), i + 1))
}

#[tokio::test]
async fn an_order_confirms_a_seat_issues_its_invoice_and_a_cancellation_credits_it() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (5, 5)).await;
    let ann = people(&app, "ann", 1, Role::Learner).await.remove(0);
    let placed = app.state.orders.place(&ann, session, &private("Ann Borg")).await.unwrap();
    assert_eq!(placed.enrolment.status, EnrolmentStatus::Confirmed);
    let number = placed.invoice.clone().expect("a confirmed seat is invoiced at once");
    assert_eq!(number, format!("{}-000001", year()));
    assert!(placed.reference.starts_with("LY-"));

    // The invoice holds the academy, the buyer, one line and exact sums.
    let invoice = document(&app, &number).await;
    let price: i64 = count(
        &app,
        &format!(
            "SELECT c.price_cents FROM courses c JOIN course_sessions s ON s.course_id = c.id WHERE s.id = {session}"
        ),
    )
    .await;
    assert_eq!(invoice.totals.gross_cents, price, "prices include VAT by default");
    assert_eq!(invoice.totals.net_cents + invoice.totals.vat_cents, price);
    assert_eq!(invoice.seller.name, "Lyceum Academy Ltd");
    assert_eq!(invoice.seller.vat_number.as_deref(), Some("MT12345678"));
    assert_eq!(invoice.buyer.name, "Ann Borg");
    assert_eq!(invoice.lines.len(), 1);
    assert!(invoice.lines[0].description.contains("Attendee: ann 0"), "{}", invoice.lines[0].description);
    assert!(invoice.due_on.is_some() && invoice.bank.is_some());
    assert!(invoice.payment_reference.starts_with("RF"));
    let terms: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT terms_version FROM orders").fetch_one(pool).await.unwrap()
    });
    assert_eq!(terms, lyceum::model::billing::TERMS_VERSION, "the terms accepted are recorded");

    // Cancelling the seat issues a credit note for it, never an edited invoice.
    app.state.enrolments.cancel(&ann, placed.enrolment.id).await.unwrap();
    let all = documents(&app).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], (number.clone(), "invoice".into(), price), "the invoice stands as it was");
    assert_eq!(all[1], (format!("{}-000002", year()), "credit_note".into(), price));
    let credit = document(&app, &all[1].0).await;
    assert_eq!(credit.credits.as_deref(), Some(number.as_str()));
    assert_eq!(credit.totals, invoice.totals);
    // Nothing more to credit: a second cancellation is refused and issues nothing.
    refused_with(app.state.enrolments.cancel(&ann, placed.enrolment.id).await, Refusal::AlreadyCancelled);
    assert_eq!(documents(&app).await.len(), 2);

    // The booker's order shows both documents, and nothing owed.
    let detail = app.state.orders.detail(&ann, &placed.reference).await.unwrap();
    assert_eq!(detail.documents.len(), 2);
    assert!(!detail.owing);
    let bob = people(&app, "bob", 1, Role::Learner).await.remove(0);
    assert!(matches!(app.state.orders.detail(&bob, &placed.reference).await, Err(Error::NotFound)));
}

#[tokio::test]
async fn a_waitlist_place_is_invoiced_only_when_a_seat_is_confirmed() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (1, 5)).await;
    let [first, second]: [User; 2] = people(&app, "queue", 2, Role::Learner).await.try_into().unwrap();
    let seat = app.state.orders.place(&first, session, &private("First")).await.unwrap();
    let wait = app.state.orders.place(&second, session, &private("Second")).await.unwrap();
    assert_eq!(wait.enrolment.status, EnrolmentStatus::Waitlisted);
    assert_eq!(wait.invoice, None, "a waitlist place costs nothing");
    assert_eq!(documents(&app).await.len(), 1);

    // The seat frees up: the second is promoted, and invoiced now.
    app.state.enrolments.cancel(&first, seat.enrolment.id).await.unwrap();
    let all = documents(&app).await;
    let kinds: Vec<&str> = all.iter().map(|(_, kind, _)| kind.as_str()).collect();
    // The promotion happens as the seat is released, before its credit note.
    assert_eq!(kinds, ["invoice", "invoice", "credit_note"]);
    assert!(gapless(&all.iter().map(|(n, _, _)| n.clone()).collect::<Vec<_>>()));
    let promoted = app.state.orders.detail(&second, &wait.reference).await.unwrap();
    assert_eq!(promoted.documents.len(), 1);
    assert_eq!(promoted.attendees[0].standing, "Seat confirmed");
    assert!(promoted.owing);
    // The booker is mailed the invoice.
    let jobs = count(&app, "SELECT COUNT(*) FROM jobs WHERE kind = 'order.mail'").await;
    assert_eq!(jobs, 4, "two bookings, a credit note and a promotion's invoice");
}

#[tokio::test]
async fn a_refused_order_stores_nothing_and_takes_no_number() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (5, 5)).await;
    let ann = people(&app, "ann", 1, Role::Learner).await.remove(0);
    app.state.orders.place(&ann, session, &private("Ann")).await.unwrap();
    // Booked already: refused, and the order and its number roll back.
    refused_with(app.state.orders.place(&ann, session, &private("Ann")).await, Refusal::AlreadyEnrolled);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders").await, 1);
    let bob = people(&app, "bob", 1, Role::Learner).await.remove(0);
    app.state.orders.place(&bob, session, &private("Bob")).await.unwrap();
    let numbers: Vec<String> = documents(&app).await.into_iter().map(|(n, _, _)| n).collect();
    assert!(gapless(&numbers), "{numbers:?}");
    assert_eq!(numbers.len(), 2);

    // An unconfirmed address cannot book.
    let mut carl = people(&app, "carl", 1, Role::Learner).await.remove(0);
    carl.verified = false;
    set(&app, &format!("UPDATE users SET email_verified_at = NULL WHERE id = {}", carl.id)).await;
    refused_with(app.state.orders.place(&carl, session, &private("Carl")).await, Refusal::Unconfirmed);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders").await, 2);
}

/// 200 orders at once, on two instances sharing the database: every
/// confirmed seat has an invoice, and the numbers run 1..N without a gap
/// or a repeat.
#[tokio::test]
async fn invoice_numbers_stay_gapless_under_200_concurrent_orders_on_two_instances() {
    let app = TestApp::demo().await;
    let sibling = app.sibling().await;
    let (_, first, second) = two_sessions(&app, (150, 150)).await;
    let learners = people(&app, "rush", 200, Role::Learner).await;
    let mut tasks = Vec::new();
    for (i, learner) in learners.into_iter().enumerate() {
        let orders = if i % 2 == 0 { app.state.orders.clone() } else { sibling.state.orders.clone() };
        // Every eighth orders the same date twice: the second is refused
        // (one seat per learner and session) and must leave no number behind.
        let session = if i % 4 < 2 { first } else { second };
        tasks.push(tokio::spawn(async move {
            let billing = private(&learner.name);
            let mut results = vec![orders.place(&learner, session, &billing).await.map(|p| p.invoice)];
            if i % 8 == 0 {
                results.push(orders.place(&learner, session, &billing).await.map(|p| p.invoice));
            }
            results
        }));
    }
    let mut issued = 0;
    let mut refused = 0;
    for task in tasks {
        for result in task.await.unwrap() {
            match result {
                Ok(Some(_)) => issued += 1,
                Ok(None) => {}
                Err(Error::Refused(AppError::Conflict(Refusal::AlreadyEnrolled))) => refused += 1,
                Err(other) => panic!("an order failed: {other:?}"),
            }
        }
    }
    assert_eq!(refused, 25, "a second order of the same date is refused");
    let numbers: Vec<String> = documents(&app).await.into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(numbers.len(), issued);
    assert_eq!(issued, 200, "two sessions of 150 seats hold all 200");
    assert!(gapless(&numbers), "numbers run 1..{issued} without a gap: {:?}", &numbers[..5]);
    let confirmed =
        count(&app, "SELECT COUNT(*) FROM enrolments WHERE order_id IS NOT NULL AND status = 'confirmed'").await;
    assert_eq!(confirmed, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders").await, 200, "refused orders left nothing");
}

/// Every price of the demo catalogue, quoted with VAT in it or not, splits
/// into net and VAT that add up to the cent and round as the rate says,
/// checked here with integer arithmetic of its own; and the invoices
/// placed for them carry exactly those amounts.
#[tokio::test]
async fn totals_and_vat_are_exact_for_every_demo_price() {
    let app = TestApp::demo().await;
    let prices: Vec<i64> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT DISTINCT price_cents FROM courses ORDER BY price_cents")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert!(prices.len() >= 5, "the demo has a range of prices: {prices:?}");
    let rate = 1800i128;
    for &price in &prices {
        let p = i128::from(price);
        let included = Pricing { includes_vat: true, rate_bp: 1800 }.line(String::new(), price, VatTreatment::Standard);
        assert_eq!(included.gross_cents, price);
        assert_eq!(included.net_cents + included.vat_cents, price);
        // The net is the gross over 1.18, to the nearest cent.
        let error = (p * 10_000 - i128::from(included.net_cents) * (10_000 + rate)).abs();
        assert!(error * 2 <= 10_000 + rate, "{price}: net {} is not the nearest cent", included.net_cents);
        let excluded =
            Pricing { includes_vat: false, rate_bp: 1800 }.line(String::new(), price, VatTreatment::Standard);
        assert_eq!(excluded.net_cents, price);
        let error = (p * rate - i128::from(excluded.vat_cents) * 10_000).abs();
        assert!(error * 2 <= 10_000, "{price}: VAT {} is not 18% to the nearest cent", excluded.vat_cents);
        assert_eq!(excluded.gross_cents, price + excluded.vat_cents);
        let reverse =
            Pricing { includes_vat: true, rate_bp: 1800 }.line(String::new(), price, VatTreatment::ReverseCharge);
        assert_eq!((reverse.vat_cents, reverse.gross_cents), (0, included.net_cents));
    }

    // One order for a session of each price: the invoice says the same.
    let sessions: Vec<(i64, i64)> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as(
            "SELECT MIN(s.id), c.price_cents FROM course_sessions s JOIN courses c ON c.id = s.course_id
             WHERE c.published AND s.status = 'scheduled' AND s.starts_at > $1 AND s.seats_taken < s.capacity
               AND s.waitlist_length = 0
             GROUP BY c.price_cents",
        )
        .bind(chrono::Utc::now())
        .fetch_all(pool)
        .await
        .unwrap()
    });
    let buyers = people(&app, "buyer", sessions.len(), Role::Learner).await;
    for ((session, price), buyer) in sessions.into_iter().zip(buyers) {
        let placed = app.state.orders.place(&buyer, session, &private(&buyer.name)).await.unwrap();
        let invoice = document(&app, &placed.invoice.unwrap()).await;
        let expected = Pricing { includes_vat: true, rate_bp: 1800 }.line(String::new(), price, VatTreatment::Standard);
        assert_eq!(
            (invoice.totals.net_cents, invoice.totals.vat_cents, invoice.totals.gross_cents),
            (expected.net_cents, expected.vat_cents, expected.gross_cents)
        );
    }
}

#[tokio::test]
async fn online_training_for_a_business_in_another_member_state_is_reverse_charged() {
    let app = TestApp::demo().await;
    let online: i64 = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar(
            "SELECT MIN(s.id) FROM course_sessions s JOIN courses c ON c.id = s.course_id
             WHERE c.published AND s.mode = 'online' AND s.status = 'scheduled' AND s.seats_taken < s.capacity
               AND s.waitlist_length = 0 AND s.starts_at > $1",
        )
        .bind(chrono::Utc::now())
        .fetch_one(pool)
        .await
        .unwrap()
    });
    let buyer = people(&app, "gmbh", 1, Role::Learner).await.remove(0);
    let billing = BillingForm {
        billing: "company".into(),
        billing_name: "Müller Schulungen GmbH".into(),
        address: "Friedrichstraße 10".into(),
        postcode: "10117".into(),
        city: "Berlin".into(),
        country: "DE".into(),
        vat_number: "DE 123 456 789".into(),
        purchase_order: "PO-2026-77".into(),
        payment: "invoice".into(),
        accept_terms: Some("on".into()),
    }
    .parse()
    .unwrap();
    let placed = app.state.orders.place(&buyer, online, &billing).await.unwrap();
    let invoice = document(&app, &placed.invoice.unwrap()).await;
    assert_eq!(invoice.totals.vat_cents, 0);
    assert_eq!(invoice.lines[0].vat_rate_bp, 0);
    assert!(invoice.notes.iter().any(|n| n.contains("reverse charge")), "{:?}", invoice.notes);
    assert_eq!(invoice.buyer.vat_number.as_deref(), Some("DE123456789"));
    assert_eq!(invoice.buyer.contact.as_deref(), Some("gmbh 0"), "a company's invoice names who booked");
    assert_eq!(invoice.purchase_order.as_deref(), Some("PO-2026-77"));
}

#[tokio::test]
async fn booking_through_the_pages_refuses_bad_billing_and_sends_visitors_to_log_in() {
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (5, 5)).await;
    let id = session.to_string();
    let page = app.get(&format!("/book/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!(r#"href="/login?next=/book/{id}""#)),
        "a visitor sees what they book, and logs in"
    );
    assert!(page.body.contains("Free cancellation"), "the deadline is stated before booking");
    assert_eq!(app.get("/book/999999").await.status, 404);
    let course_page: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT c.slug FROM courses c JOIN course_sessions s ON s.course_id = c.id WHERE s.id = $1")
            .bind(session)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    let course = app.get(&format!("/courses/{course_page}")).await;
    assert!(course.body.contains(&format!(r#"href="/book/{id}""#)), "each date leads to its order step");
    assert!(!course.body.contains("/rpc/enrolment/enrol"), "no booking in one click");

    let mut visitor = Visitor::new(&app);
    let fields = [
        ("session_id", id.as_str()),
        ("billing", "private"),
        ("billing_name", "Ann Borg"),
        ("address", "3 Triq San Pawl"),
        ("postcode", "SPB 1010"),
        ("city", "St Paul's Bay"),
        ("country", "MT"),
        ("payment", "transfer"),
        ("accept_terms", "on"),
        ("me", "on"),
    ];
    let res = visitor.submit(&format!("/book/{id}"), "orders/place", &fields).await;
    assert_eq!(res.header("location"), Some(format!("/login?next=/book/{id}").as_str()));

    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", "correct horse battery staple").await;
    let bad: &[(&str, &str, &str)] = &[
        ("accept_terms", "", "\"terms\""),
        ("vat_number", "MT123", "\"vat_number\""),
        ("country", "XX", "\"country\""),
        ("billing", "friend", "\"billing\""),
        ("payment", "card", "\"payment_method\""),
        ("billing_name", "", "\"billing_name\""),
    ];
    for (field, value, reported) in bad {
        let mut sent: Vec<(&str, &str)> = fields.iter().filter(|(k, _)| k != field).copied().collect();
        if !value.is_empty() || *field != "accept_terms" {
            sent.push((field, value));
        }
        let res = ann.call("orders/place", &sent).await;
        assert_eq!(res.status, 422, "{field}={value}: {}", res.body);
        assert!(res.body.contains(reported), "{field}: {}", res.body);
    }
    let res = ann.call("orders/place", &[("session_id", "abc")]).await;
    assert!((400..500).contains(&res.status), "{}", res.status);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders").await, 0, "nothing refused was stored");

    let res = ann.submit(&format!("/book/{id}"), "orders/place", &fields).await;
    let location = res.header("location").unwrap_or_default().to_string();
    assert!(location.starts_with("/account/orders/LY-") && location.ends_with("?notice=enrolled"), "{location}");
    let order = ann.get(&location).await;
    assert_eq!(order.status, 200);
    assert!(order.body.contains("Your seat is confirmed"), "the notice");
    assert!(order.body.contains("Payment reference"), "how to pay");
    let number = format!("{}-000001", year());
    assert!(order.body.contains(&format!(r#"href="/account/invoices/{number}.pdf""#)));
    let list = ann.get("/account/orders").await;
    assert!(list.body.contains(&location.trim_end_matches("?notice=enrolled").to_string()));

    // The booking page and the course page now say what is held.
    let again = ann.get(&format!("/book/{id}")).await;
    assert!(again.body.contains("You're booked on this date."), "the order step knows you");
    let course = tokio::time::timeout(std::time::Duration::from_secs(20), ann.get(&format!("/courses/{course_page}")))
        .await
        .expect("the course page answers a signed-in learner");
    assert!(course.body.contains("You're booked"), "the course page knows you");
    assert!(!course.body.contains(&format!(r#"href="/book/{id}""#)), "no second booking offered");
}

#[tokio::test]
async fn staff_record_payments_and_see_overdue_orders_which_are_never_cancelled() {
    let app = TestApp::demo().await;
    let (_, session, other) = two_sessions(&app, (5, 5)).await;
    let [ann, bob]: [User; 2] = people(&app, "payer", 2, Role::Learner).await.try_into().unwrap();
    let staff = people(&app, "desk", 1, Role::Staff).await.remove(0);
    let paid = app.state.orders.place(&ann, session, &private("Ann")).await.unwrap();
    let late = app.state.orders.place(&bob, other, &private("Bob")).await.unwrap();

    let price: i64 =
        count(&app, &format!("SELECT gross_cents FROM invoices WHERE number = '{}'", paid.invoice.clone().unwrap()))
            .await;
    let form = |amount: &str, day: &str| PaymentForm {
        amount: amount.into(),
        received_on: day.into(),
        method: "transfer".into(),
        reference: "STMT-0042".into(),
    };
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    // A learner may not; bad amounts and days are refused, nothing stored.
    assert!(matches!(
        app.state.orders.record_payment(&ann, &paid.reference, &form("10", &today)).await,
        Err(Error::Refused(AppError::Forbidden))
    ));
    for (amount, day) in [
        ("", today.as_str()),
        ("0", today.as_str()),
        ("ten", today.as_str()),
        ("10", "2099-01-01"),
        ("10", "yesterday"),
    ] {
        let result = app.state.orders.record_payment(&staff, &paid.reference, &form(amount, day)).await;
        assert!(matches!(result, Err(Error::Refused(AppError::Invalid(_)))), "{amount} {day}: {result:?}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments").await, 0);
    let whole = format!("{}.{:02}", price / 100, price % 100);
    app.state.orders.record_payment(&staff, &paid.reference, &form(&whole, &today)).await.unwrap();
    let detail = app.state.orders.detail(&staff, &paid.reference).await.unwrap();
    assert_eq!(detail.line.standing, "Paid");
    assert_eq!(detail.payments.len(), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'order.payment_recorded'").await, 1);

    // Bob's invoice fell due long ago: flagged, and his seat stands.
    set(
        &app,
        &format!(
            "UPDATE invoices SET due_on = '2020-01-01' WHERE order_id = (SELECT id FROM orders WHERE reference = '{}')",
            late.reference
        ),
    )
    .await;
    let overdue = app
        .state
        .orders
        .list(&staff, &OrderQuery { standing: "overdue".into(), ..OrderQuery::default() })
        .await
        .unwrap();
    assert_eq!(overdue.orders.iter().map(|o| o.reference.as_str()).collect::<Vec<_>>(), [late.reference.as_str()]);
    assert_eq!(overdue.overdue, 1);
    assert!(overdue.orders[0].overdue);
    let seat: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT status FROM enrolments WHERE id = $1")
            .bind(late.enrolment.id)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(seat, "confirmed", "an unpaid order is flagged, never cancelled");
    let unpaid = app
        .state
        .orders
        .list(&staff, &OrderQuery { standing: "unpaid".into(), ..OrderQuery::default() })
        .await
        .unwrap();
    assert_eq!(unpaid.total, 1);
    let found = app
        .state
        .orders
        .list(&staff, &OrderQuery { q: paid.reference.to_lowercase(), ..OrderQuery::default() })
        .await
        .unwrap();
    assert_eq!(found.total, 1, "found by its reference");
    let wild = app.state.orders.list(&staff, &OrderQuery { q: "%".into(), ..OrderQuery::default() }).await.unwrap();
    assert_eq!(wild.total, 0, "a % is a character, not a wildcard");
    assert!(matches!(
        app.state.orders.list(&ann, &OrderQuery::default()).await,
        Err(Error::Refused(AppError::Forbidden))
    ));
}

/// The PDF's title, page count and text, read by pypdf.
fn read_pdf(bytes: &[u8]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, bytes).unwrap();
    crate::helpers::python_check("read_pdf.py", &[path.to_str().unwrap()]).expect("pypdf reads the PDF")
}

#[tokio::test]
async fn invoices_and_credit_notes_are_pdfs_that_read_back_with_their_numbers_totals_and_vat() {
    use lyceum::server::orders::format::money;
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (5, 5)).await;
    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ġorġ Ħabib Żammit", "gorg@example.com", "correct horse battery staple").await;
    let id = session.to_string();
    let mut fields = crate::enrolment::order_fields(&id);
    fields[2] = ("billing_name", "Ġorġ Ħabib Żammit");
    let res = ann.submit(&format!("/book/{id}"), "orders/place", &fields).await;
    let location = res.header("location").unwrap().to_string();
    let reference = location.trim_start_matches("/account/orders/").trim_end_matches("?notice=enrolled").to_string();
    let number = format!("{}-000001", year());
    let invoice = document(&app, &number).await;

    // The booker downloads it; nobody else can.
    let pdf = ann.get(&format!("/account/invoices/{number}.pdf")).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.header("cache-control").unwrap_or_default().contains("no-store"));
    let mut bob = Visitor::from_ip(&app, "192.0.2.78".parse().unwrap());
    bob.sign_up_and_log_in("Bob Zammit", "bob@example.com", "another horse battery staple").await;
    assert_eq!(bob.get(&format!("/account/invoices/{number}.pdf")).await.status, 404);
    assert_eq!(bob.get(&format!("/admin/invoices/{number}.pdf")).await.status, 404);
    let anonymous = Visitor::new(&app).get(&format!("/account/invoices/{number}.pdf")).await;
    assert_eq!(anonymous.header("location"), Some(format!("/login?next=/account/invoices/{number}.pdf").as_str()));

    // Bytes as served, not as a string: the test's own client reads them.
    let bytes = app
        .state
        .orders
        .pdf(
            &lyceum::model::account::User {
                id: count(&app, "SELECT id FROM users WHERE email = 'gorg@example.com'").await,
                email: "gorg@example.com".into(),
                name: String::new(),
                role: Role::Learner,
                verified: true,
            },
            &number,
        )
        .await
        .unwrap()
        .1;
    let read = read_pdf(&bytes);
    let text = read["text"].as_str().unwrap();
    assert_eq!(read["title"], format!("Invoice {number}"));
    for expected in [
        number.clone(),
        "Ġorġ Ħabib Żammit".to_string(),
        "Lyceum Academy Ltd".to_string(),
        "MT12345678".to_string(),
        "18%".to_string(),
        money(invoice.totals.net_cents, "EUR"),
        money(invoice.totals.vat_cents, "EUR"),
        money(invoice.totals.gross_cents, "EUR"),
        reference.clone(),
    ] {
        assert!(text.contains(&expected), "the invoice says {expected}:\n{text}");
    }

    // The booking's mail carries the same PDF.
    crate::visitor::run_notices(&app).await;
    app.run_jobs(&[lyceum::server::orders::notices::DOCUMENT_MAIL]).await;
    let mail = crate::visitor::mails_to(&app, "gorg@example.com")
        .await
        .into_iter()
        .find(|m| m.subject.starts_with("Your booking"))
        .expect("the booking's mail");
    let attached = mail.attachments.iter().find(|a| a.content_type == "application/pdf").expect("the invoice");
    assert_eq!(attached.filename, format!("invoice-{number}.pdf"));
    assert_eq!(attached.bytes().unwrap(), bytes, "the same document, byte for byte");
    assert!(mail.text.contains(&money(invoice.totals.gross_cents, "EUR")), "the mail gives the price");
    assert!(mail.text.contains(&invoice.payment_reference), "and how to pay");

    // Cancelled: a credit note, as a PDF of its own, naming the invoice.
    let enrolment = count(&app, "SELECT id FROM enrolments WHERE order_id IS NOT NULL").await;
    let res = ann.call("enrolment/cancel", &[("enrolment_id", &enrolment.to_string())]).await;
    assert!(res.status < 400, "{}", res.body);
    let credit_number = format!("{}-000002", year());
    let credit = ann.get(&format!("/account/invoices/{credit_number}.pdf")).await;
    assert_eq!(credit.status, 200);
    app.run_jobs(&[lyceum::server::orders::notices::DOCUMENT_MAIL]).await;
    let mail = crate::visitor::mails_to(&app, "gorg@example.com")
        .await
        .into_iter()
        .find(|m| m.subject.starts_with("Credit note"))
        .expect("the credit note's mail");
    let attached = mail.attachments.iter().find(|a| a.content_type == "application/pdf").expect("the credit note");
    let read = read_pdf(&attached.bytes().unwrap());
    let text = read["text"].as_str().unwrap();
    assert_eq!(read["title"], format!("Credit note {credit_number}"));
    assert!(text.contains(&number), "it names the invoice it credits:\n{text}");
    assert!(text.contains(&money(invoice.totals.gross_cents, "EUR")), "for the whole amount:\n{text}");
}

/// A company's training coordinator books three colleagues into a session
/// with two seats left: two confirmed, one waitlisted, each mailed at their
/// own address; one invoice for the two seats; the coordinator sees the
/// whole order; a colleague without an account gets one that no password
/// opens until they set one.
#[tokio::test]
async fn a_booker_books_three_colleagues_into_two_seats() {
    use lyceum::model::billing::{Attendees, ColleagueForm};
    let app = TestApp::demo().await;
    let (_, session, _) = two_sessions(&app, (2, 5)).await;
    let coordinator = people(&app, "coordinator", 1, Role::Learner).await.remove(0);
    let known = people(&app, "known", 1, Role::Learner).await.remove(0);
    let rows = [
        ColleagueForm { name: "Known Colleague".into(), email: known.email.clone() },
        ColleagueForm { name: "Marija Camilleri".into(), email: "marija@company.example".into() },
        ColleagueForm { name: "Joseph Grech".into(), email: "joseph@company.example".into() },
    ];
    let attendees = Attendees::parse(false, &rows, &coordinator.email).unwrap();
    let billing = BillingForm {
        billing: "company".into(),
        billing_name: "Camilleri & Grech Ltd".into(),
        address: "Triq il-Kbira 5".into(),
        city: "Mosta".into(),
        country: "MT".into(),
        vat_number: "MT 2345 6789".into(),
        payment: "invoice".into(),
        accept_terms: Some("on".into()),
        ..BillingForm::default()
    }
    .parse()
    .unwrap();
    let placed = app.state.orders.place_for(&coordinator, session, &billing, &attendees).await.unwrap();
    let invoice = document(&app, &placed.invoice.clone().unwrap()).await;
    assert_eq!(invoice.lines.len(), 2, "one invoice, a line for each seat confirmed");
    assert!(invoice.lines[0].description.contains("Attendee: known 0"));
    assert!(invoice.lines[1].description.contains("Attendee: Marija Camilleri"));
    assert_eq!(invoice.buyer.name, "Camilleri & Grech Ltd");

    let detail = app.state.orders.detail(&coordinator, &placed.reference).await.unwrap();
    let standings: Vec<(&str, &str)> =
        detail.attendees.iter().map(|a| (a.email.as_str(), a.standing.as_str())).collect();
    assert_eq!(
        standings,
        [
            (known.email.as_str(), "Seat confirmed"),
            ("marija@company.example", "Seat confirmed"),
            ("joseph@company.example", "Number 1 on the waitlist")
        ]
    );
    // Each attendee is told at their own address; the booker gets the invoice.
    for (to, subject) in [
        (known.email.as_str(), "Your seat is confirmed"),
        ("marija@company.example", "Your seat is confirmed"),
        ("joseph@company.example", "You are on the waitlist"),
    ] {
        let mails = crate::visitor::mails_to(&app, to).await;
        assert!(
            mails.iter().any(|m| m.subject.starts_with(subject)),
            "{to}: {:?}",
            mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
    }
    // Marija's own mail gives the place in full, the price and who pays.
    let marija = crate::visitor::mails_to(&app, "marija@company.example").await;
    let seat = marija.iter().find(|m| m.subject.starts_with("Your seat is confirmed")).unwrap();
    let address: Option<String> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar(
            "SELECT l.address FROM course_sessions s JOIN locations l ON l.id = s.location_id WHERE s.id = $1",
        )
        .bind(session)
        .fetch_optional(pool)
        .await
        .unwrap()
    });
    if let Some(address) = address.filter(|a| !a.is_empty()) {
        assert!(seat.text.contains(&address), "the street address in {}", seat.text);
    }
    let said = format!("on order {}; the invoice goes to Camilleri & Grech Ltd", placed.reference);
    assert!(seat.text.contains(&said) && seat.text.contains("per person"), "{}", seat.text);
    app.run_jobs(&[lyceum::server::orders::notices::DOCUMENT_MAIL]).await;
    let booker_mails = crate::visitor::mails_to(&app, &coordinator.email).await;
    let booking = booker_mails.iter().find(|m| m.subject.starts_with("Your booking")).expect("the booking's mail");
    assert!(booking.text.contains("Joseph Grech: number 1 on the waitlist"), "{}", booking.text);
    assert!(booking.attachments.iter().any(|a| a.content_type == "application/pdf"));

    // The new accounts open with no password until their owners set one.
    let hash: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'marija@company.example'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(hash, lyceum::server::accounts::password::NO_PASSWORD);
    let mut visitor = Visitor::new(&app);
    let res = visitor.call("account/login", &[("email", "marija@company.example"), ("password", "!")]).await;
    assert!((400..500).contains(&res.status), "no password opens it: {} {}", res.status, res.body);

    // Naming someone who already holds a place refuses the whole order.
    let again = Attendees::parse(true, &rows[..1], &coordinator.email).unwrap();
    refused_with(app.state.orders.place_for(&coordinator, session, &billing, &again).await, Refusal::AttendeeBooked);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders").await, 1);
    // A colleague cancels their own seat: the order is credited for it, and Joseph is promoted and invoiced.
    let marija_seat = count(
        &app,
        "SELECT e.id FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = 'marija@company.example'",
    )
    .await;
    let marija = User {
        id: count(&app, "SELECT id FROM users WHERE email = 'marija@company.example'").await,
        email: "marija@company.example".into(),
        name: "Marija".into(),
        role: Role::Learner,
        verified: false,
    };
    app.state.enrolments.cancel(&marija, marija_seat).await.unwrap();
    let kinds: Vec<String> = documents(&app).await.into_iter().map(|(_, kind, _)| kind).collect();
    assert_eq!(kinds, ["invoice", "invoice", "credit_note"]);
    let detail = app.state.orders.detail(&coordinator, &placed.reference).await.unwrap();
    assert_eq!(detail.attendees[2].standing, "Seat confirmed");
}
