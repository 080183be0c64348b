//! One order as its booker and staff both see it: what was booked and for
//! whom, who pays and how, its invoices and credit notes to download, the
//! payments received, and what is still owed with how to pay it.

use crate::model::order::OrderDetail;
use leptos::prelude::*;

#[component]
pub fn OrderSheet(detail: OrderDetail) -> impl IntoView {
    let line = detail.line.clone();
    let attendees = detail
        .attendees
        .iter()
        .cloned()
        .map(|a| {
            view! {
                <tr>
                    <td data-label="Attendee">{a.name}<span class="address">{a.email}</span></td>
                    <td data-label="Date">{a.when}</td>
                    <td data-label="Place">{a.standing}</td>
                </tr>
            }
        })
        .collect_view();
    let documents = match detail.documents.is_empty() {
        true => view! { <p class="muted">"No invoice yet: one is issued when a seat is confirmed."</p> }.into_any(),
        false => {
            let rows = detail
                .documents
                .iter()
                .cloned()
                .map(|d| {
                    let label = format!("Download {} {} (PDF)", d.kind.to_lowercase(), d.number);
                    view! {
                        <tr>
                            <td data-label="Document">{d.kind}" "{d.number.clone()}</td>
                            <td data-label="Issued">{d.issued_on}</td>
                            <td data-label="Due">{d.due_on.unwrap_or_default()}</td>
                            <td data-label="Amount" class="amount">{d.amount}</td>
                            <td class="row-actions"><a href=d.href download="" aria-label=label>"PDF"</a></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-scroll">
                    <table class="stack">
                        <caption class="visually-hidden">"Invoices and credit notes"</caption>
                        <thead><tr>
                            <th scope="col">"Document"</th><th scope="col">"Issued"</th><th scope="col">"Due"</th>
                            <th scope="col">"Amount"</th><th scope="col"><span class="visually-hidden">"Download"</span></th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };
    let payments = (!detail.payments.is_empty()).then(|| {
        let rows = detail
            .payments
            .iter()
            .cloned()
            .map(|p| {
                view! {
                    <li>{format!("{}: {} by {}", p.received_on, p.amount, p.method.to_lowercase())}
                        {p.reference.map(|r| format!(", reference {r}"))}</li>
                }
            })
            .collect_view();
        view! { <ul class="payments">{rows}</ul> }
    });
    let how_to_pay = detail.owing.then(|| {
        view! {
            <section class="how-to-pay" aria-labelledby="pay-heading">
                <h2 id="pay-heading">"How to pay"</h2>
                <p>{format!("Please pay {} by bank transfer", line.balance)}
                    {line.due_on.clone().map(|due| format!(" by {due}"))}"."</p>
                <dl class="facts">
                    <div><dt>"Account holder"</dt><dd>{detail.account_holder.clone()}</dd></div>
                    <div><dt>"IBAN"</dt><dd class="code">{detail.iban.clone()}</dd></div>
                    <div><dt>"BIC"</dt><dd class="code">{detail.bic.clone()}</dd></div>
                    <div><dt>"Payment reference"</dt><dd class="code">{detail.payment_reference.clone()}</dd></div>
                </dl>
            </section>
        }
    });
    let billing = detail.billing.iter().cloned().map(|l| view! { <span class="line">{l}</span> }).collect_view();
    view! {
        <dl class="facts order-facts">
            <div><dt>"Order"</dt><dd class="code">{line.reference.clone()}</dd></div>
            <div><dt>"Course"</dt><dd><a href=format!("/courses/{}", detail.course_slug)>{line.course_title.clone()}</a></dd></div>
            <div><dt>"Booked on"</dt><dd>{line.booked_on.clone()}</dd></div>
            <div><dt>"Payment"</dt><dd><span class=if line.overdue { "status status-overdue" } else { "status" }>{line.standing.clone()}</span></dd></div>
            <div><dt>"Invoiced"</dt><dd>{line.invoiced.clone()}</dd></div>
            <div><dt>"Paid"</dt><dd>{line.paid.clone()}</dd></div>
        </dl>
        {how_to_pay}
        <section aria-labelledby="attendees-heading">
            <h2 id="attendees-heading">"Attendees"</h2>
            <div class="table-scroll">
                <table class="stack">
                    <caption class="visually-hidden">"Attendees"</caption>
                    <thead><tr><th scope="col">"Attendee"</th><th scope="col">"Date"</th><th scope="col">"Place"</th></tr></thead>
                    <tbody>{attendees}</tbody>
                </table>
            </div>
        </section>
        <section aria-labelledby="documents-heading">
            <h2 id="documents-heading">"Invoices and credit notes"</h2>
            {documents}
            {payments}
        </section>
        <section aria-labelledby="billing-heading">
            <h2 id="billing-heading">"Billing"</h2>
            <p class="billing-address">{billing}</p>
            <dl class="facts">
                {detail.vat_number.clone().map(|n| view! { <div><dt>"VAT number"</dt><dd class="code">{n}</dd></div> })}
                {detail.purchase_order.clone().map(|po| view! { <div><dt>"Purchase order"</dt><dd>{po}</dd></div> })}
                <div><dt>"Paying by"</dt><dd>{detail.payment_method.clone()}</dd></div>
                <div><dt>"Terms accepted"</dt><dd><a href="/terms">{format!("Version {}", detail.terms_version)}</a></dd></div>
            </dl>
        </section>
    }
}
