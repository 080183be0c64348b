//! `/admin/orders`: every order, searched and filtered by where its
//! payment stands (overdue ones flagged, never cancelled by themselves),
//! a page at a time; and `/admin/orders/{reference}`: one order, its
//! documents, and the form that records money received.

use super::AdminPage;
use crate::components::form::{FormAlert, Select, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::components::order::OrderSheet;
use crate::components::pagination::PageLinks;
use crate::model::form::Field;
use crate::model::order::{OrderDetail, OrderList, PAYMENT_METHODS};
use crate::server_fns::orders::{RecordPayment, get_order, list_orders};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map};

#[component]
pub fn OrdersPage() -> impl IntoView {
    let location = use_location();
    let list = Resource::new(move || location.search.get(), list_orders);
    view! {
        <AdminPage title="Orders" section="/admin/orders">
            <Loaded data=list keep_previous=true render=|list| view! { <Orders list/> }/>
        </AdminPage>
    }
}

#[component]
fn Orders(list: OrderList) -> impl IntoView {
    let query = list.query.clone();
    let standings = [("", "Any"), ("unpaid", "Awaiting payment"), ("overdue", "Overdue"), ("paid", "Paid")];
    let options = standings
        .into_iter()
        .map(|(value, label)| {
            let selected = value == query.standing;
            view! { <option value=value selected=selected>{label}</option> }
        })
        .collect_view();
    let count = match list.total {
        0 => "No orders match.".to_string(),
        1 => "1 order".to_string(),
        n => format!("{n} orders"),
    };
    let overdue = (list.overdue > 0).then(|| {
        let text = match list.overdue {
            1 => "1 order is overdue.".to_string(),
            n => format!("{n} orders are overdue."),
        };
        view! { <p class="form-alert" role="status">{text}" "<a href="/admin/orders?standing=overdue">"Show them"</a></p> }
    });
    let rows = list
        .orders
        .iter()
        .cloned()
        .map(|order| {
            let href = format!("/admin/orders/{}", order.reference);
            view! {
                <tr class=order.overdue.then_some("overdue")>
                    <td data-label="Order"><a href=href>{order.reference.clone()}</a><span class="address">{order.booked_on}</span></td>
                    <td data-label="Billed to">{order.billing_name}<span class="address">{order.booker}</span></td>
                    <td data-label="Course">{order.course_title}<span class="address">{order.when}</span></td>
                    <td data-label="Balance" class="amount">{order.balance}</td>
                    <td data-label="Payment">{order.standing}{order.due_on.map(|d| format!(", due {d}"))}</td>
                </tr>
            }
        })
        .collect_view();
    let link_query = query.clone();
    view! {
        {overdue}
        <form method="get" action="/admin/orders" class="filter-form" role="search">
            <div class="field search-field">
                <label for="f-q">"Search references, names and addresses"</label>
                <input id="f-q" type="search" name="q" value=query.q.clone() maxlength="100"/>
            </div>
            <div class="field">
                <label for="f-standing">"Payment"</label>
                <select id="f-standing" name="standing">{options}</select>
            </div>
            <div class="actions">
                <button type="submit">"Show orders"</button>
                <a href="/admin/orders">"Clear all"</a>
            </div>
        </form>
        <p class="muted" role="status">{count}</p>
        <div class="table-scroll">
            <table class="stack">
                <caption class="visually-hidden">"Orders"</caption>
                <thead><tr>
                    <th scope="col">"Order"</th><th scope="col">"Billed to"</th><th scope="col">"Course"</th>
                    <th scope="col">"Balance"</th><th scope="col">"Payment"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <PageLinks current=list.page as u32 pages=list.pages as u32 link=move |page| link_query.href(i64::from(page))/>
    }
}

#[component]
pub fn AdminOrderPage() -> impl IntoView {
    let params = use_params_map();
    let action = ServerAction::<RecordPayment>::new();
    let order = Resource::new(
        move || (params.read().get("reference").unwrap_or_default(), action.version().get()),
        |(reference, _)| get_order(reference),
    );
    view! {
        <AdminPage title="Order" section="/admin/orders">
            <p><a href="/admin/orders">"All orders"</a></p>
            <Loaded data=order render=move |detail| view! {
                <OrderSheet detail=detail.clone()/>
                <PaymentForm detail action/>
            }/>
        </AdminPage>
    }
}

#[component]
fn PaymentForm(detail: OrderDetail, action: ServerAction<RecordPayment>) -> impl IntoView {
    let error = last_error(action);
    let methods = PAYMENT_METHODS.iter().map(|(value, label)| (value.to_string(), label.to_string())).collect();
    view! {
        <section aria-labelledby="record-heading">
            <h2 id="record-heading">"Record a payment"</h2>
            <FormAlert error/>
            <ActionForm action attr:class="stack-form" attr:novalidate="" attr:aria-labelledby="record-heading">
                <input type="hidden" name="reference" value=detail.line.reference.clone()/>
                <TextField field=Field::Amount label="Amount received" hint="Such as 1495.00; a refund as -1495.00."
                    maxlength=20 required=true error/>
                <TextField field=Field::Date label="Received on" kind="date" required=true error/>
                <Select field=Field::PaymentMethod label="How" choices=methods value="transfer" error/>
                <TextField field=Field::Reference label="Bank reference (optional)"
                    hint="The transaction's reference on the statement." maxlength=100 error/>
                <button type="submit" disabled=move || action.pending().get()>"Record the payment"</button>
            </ActionForm>
        </section>
    }
}
