//! Booking with an order, a booker's orders, and the back office's view of
//! them. Each function checks who is calling, then calls the orders'
//! domain (`server::orders`), which holds every rule.

use crate::error::AppError;
use crate::model::order::{OrderDetail, OrderLine, OrderList, OrderQuote};
use leptos::prelude::*;

/// `/book/{session}`: what booking the session would cost and give. Anyone
/// may look.
#[server(prefix = "/rpc", endpoint = "orders/quote")]
pub async fn get_order_quote(session_id: i64) -> Result<OrderQuote, AppError> {
    use crate::server::{auth, request};
    // Read before anything is awaited (see `get_my_places`).
    let state = request::state();
    let viewer = auth::maybe_signed_in().await?;
    Ok(state.orders.quote(viewer.as_ref(), session_id).await?)
}

/// Places an order for seats in the session, for the signed-in booker (when
/// "I attend" is ticked) and the colleagues named, billed as the form says,
/// then shows the order. A visitor who is not
/// signed in is sent to log in and brought back to the order step.
#[server(prefix = "/rpc", endpoint = "orders/place")]
#[allow(clippy::too_many_arguments)]
pub async fn place_order(
    session_id: i64,
    #[server(default)] billing: String,
    #[server(default)] billing_name: String,
    #[server(default)] address: String,
    #[server(default)] postcode: String,
    #[server(default)] city: String,
    #[server(default)] country: String,
    #[server(default)] vat_number: String,
    #[server(default)] purchase_order: String,
    #[server(default)] payment: String,
    accept_terms: Option<String>,
    me: Option<String>,
    #[server(default)] colleagues: Vec<crate::model::billing::ColleagueForm>,
) -> Result<(), AppError> {
    use crate::model::billing::{Attendees, BillingForm};
    use crate::model::enrolment::EnrolmentStatus;
    use crate::server::{auth, request};
    let state = request::state();
    let Some(user) = auth::maybe_signed_in().await? else {
        leptos_axum::redirect(&format!("/login?next=/book/{session_id}"));
        return Ok(());
    };
    let form = BillingForm {
        billing,
        billing_name,
        address,
        postcode,
        city,
        country,
        vat_number,
        purchase_order,
        payment,
        accept_terms,
    };
    // Every problem of the form at once: billing and attendees together.
    let attendees = Attendees::parse(me.is_some(), &colleagues, &user.email);
    let details = match (form.parse(), attendees) {
        (Ok(details), Ok(attendees)) => (details, attendees),
        (Err(mut problems), Err(more)) => {
            problems.extend(more);
            return Err(AppError::Invalid(problems));
        }
        (Err(problems), _) | (_, Err(problems)) => return Err(AppError::Invalid(problems)),
    };
    let placed = state.orders.place_for(&user, session_id, &details.0, &details.1).await?;
    let notice = if placed.enrolment.status == EnrolmentStatus::Confirmed { "enrolled" } else { "waitlisted" };
    leptos_axum::redirect(&format!("/account/orders/{}?notice={notice}", placed.reference));
    Ok(())
}

/// The signed-in booker's orders.
#[server(prefix = "/rpc", endpoint = "orders/mine")]
pub async fn get_my_orders() -> Result<Vec<OrderLine>, AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in().await?;
    Ok(state.orders.of_booker(&user).await?)
}

/// One order, for its booker or staff.
#[server(prefix = "/rpc", endpoint = "orders/one")]
pub async fn get_order(reference: String) -> Result<OrderDetail, AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in().await?;
    Ok(state.orders.detail(&user, &reference).await?)
}

/// `/admin/orders?{raw}`: a page of orders, with how many are overdue.
#[server(prefix = "/rpc", endpoint = "admin/orders/list")]
pub async fn list_orders(raw: String) -> Result<OrderList, AppError> {
    use crate::server::auth;
    let (state, _, staff) = auth::require(crate::model::account::Role::Staff).await?;
    Ok(state.orders.list(&staff, &crate::model::order::OrderQuery::parse(&raw)).await?)
}

/// Records money received for the order (staff), then shows it again.
#[server(prefix = "/rpc", endpoint = "admin/orders/payment")]
pub async fn record_payment(
    reference: String,
    #[server(default)] amount: String,
    #[server(default)] date: String,
    #[server(default)] payment: String,
    #[server(default)] bank_reference: String,
) -> Result<(), AppError> {
    use crate::model::order::PaymentForm;
    use crate::server::audit::Actor;
    use crate::server::{auth, request};
    let (state, _, staff) = auth::require(crate::model::account::Role::Staff).await?;
    let client = request::client();
    let form = PaymentForm { amount, received_on: date, method: payment, reference: bank_reference };
    state.orders.record_payment(Actor { user: &staff, client: &client }, &reference, &form).await?;
    // The order was found by it: a reference of letters, digits and hyphens.
    leptos_axum::redirect(&format!("/admin/orders/{}?notice=payment-recorded", reference.trim()));
    Ok(())
}
