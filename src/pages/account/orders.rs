//! `/account/orders`: the orders the signed-in user booked, and
//! `/account/orders/{reference}`: one of them, with its invoices and credit
//! notes to download and how to pay what is owed.

use super::mine::AccountPage;
use crate::components::loaded::Loaded;
use crate::components::order::OrderSheet;
use crate::model::order::OrderLine;
use crate::server_fns::orders::{get_my_orders, get_order};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    let orders = Resource::new(|| (), |_| get_my_orders());
    view! {
        <AccountPage title="Orders and invoices" path="/account/orders">
            <Loaded data=orders render=|orders| view! { <OrderList orders/> }/>
        </AccountPage>
    }
}

#[component]
fn OrderList(orders: Vec<OrderLine>) -> impl IntoView {
    if orders.is_empty() {
        return view! {
            <section class="empty-state">
                <h2>"No orders yet"</h2>
                <p>"When you book a course, its order and invoices show here."</p>
                <p><a class="button-link" href="/courses">"Find a course"</a></p>
            </section>
        }
        .into_any();
    }
    let rows = orders
        .into_iter()
        .map(|order| {
            let href = format!("/account/orders/{}", order.reference);
            view! {
                <tr>
                    <td data-label="Order"><a href=href>{order.reference.clone()}</a></td>
                    <td data-label="Course">{order.course_title}<span class="address">{order.when}</span></td>
                    <td data-label="Booked on">{order.booked_on}</td>
                    <td data-label="Invoiced" class="amount">{order.invoiced}</td>
                    <td data-label="Payment">{order.standing}{order.due_on.map(|d| format!(", due {d}"))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="stack">
                <caption class="visually-hidden">"Your orders"</caption>
                <thead><tr>
                    <th scope="col">"Order"</th><th scope="col">"Course"</th><th scope="col">"Booked on"</th>
                    <th scope="col">"Invoiced"</th><th scope="col">"Payment"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn MyOrderPage() -> impl IntoView {
    let params = use_params_map();
    let order = Resource::new(move || params.read().get("reference").unwrap_or_default(), get_order);
    view! {
        <AccountPage title="Your order" path="/account/orders">
            <Loaded data=order render=|detail| view! { <OrderSheet detail/> }/>
        </AccountPage>
    }
}
