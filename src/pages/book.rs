//! `/book/{session}`: the order step. Everything the booking commits to is
//! shown before anything is: each day and its hours, the place, the price
//! with its VAT, the cancellation deadline, and whether it gives a seat or
//! a waitlist place. Then who pays and how, the terms, and one button.

use crate::components::form::{CheckField, FormAlert, LastError, RadioGroup, Select, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::model::billing::{
    ADDRESS_MAX, CITY_MAX, COLLEAGUE_ROWS, COUNTRIES, NAME_MAX, POSTCODE_MAX, PURCHASE_ORDER_MAX,
};
use crate::model::form::Field;
use crate::model::order::OrderQuote;
use crate::server_fns::orders::{PlaceOrder, get_order_quote};
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_params_map;

#[component]
pub fn BookPage() -> impl IntoView {
    set_no_store();
    let params = use_params_map();
    let session = move || params.read().get("session").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let quote = Resource::new(session, get_order_quote);
    view! { <Loaded data=quote loading="Loading the booking…" render=|quote| view! { <Book quote/> }/> }
}

#[component]
fn Summary(quote: OrderQuote) -> impl IntoView {
    let days = quote.days.iter().map(|day| view! { <li>{day.clone()}</li> }).collect_view();
    let address = quote.address.clone().map(|address| view! { <span class="address">{address}</span> });
    view! {
        <section class="order-summary" aria-labelledby="summary-heading">
            <h2 id="summary-heading">"Your booking"</h2>
            <dl class="facts">
                <div><dt>"Course"</dt><dd><a href=format!("/courses/{}", quote.course_slug)>{quote.course_title.clone()}</a></dd></div>
                <div><dt>{format!("Dates ({})", quote.zone)}</dt><dd><ul class="days">{days}</ul></dd></div>
                <div><dt>"Where"</dt><dd>{quote.place.clone()}{address}</dd></div>
                <div><dt>"Places"</dt><dd>{quote.availability.clone()}</dd></div>
                <div><dt>"Cancellation"</dt><dd>{quote.cancellation.clone()}</dd></div>
            </dl>
            <table class="order-amounts">
                <caption>{format!("Price per person: {} {}", quote.price, quote.price_vat)}</caption>
                <tbody>
                    <tr><th scope="row">"Net"</th><td>{quote.net.clone()}</td></tr>
                    <tr><th scope="row">{quote.vat_label.clone()}</th><td>{quote.vat.clone()}</td></tr>
                    <tr class="total"><th scope="row">"Total"</th><td>{quote.total.clone()}</td></tr>
                </tbody>
            </table>
            {quote.waitlist.then(|| view! {
                <p class="muted">"A waitlist place costs nothing: if a seat is confirmed for you, its invoice follows by e-mail."</p>
            })}
        </section>
    }
}

#[component]
fn Book(quote: OrderQuote) -> impl IntoView {
    let title = format!("Book {}", quote.course_title);
    let here = format!("/book/{}", quote.session_id);
    let form = if let Some(closed) = quote.closed.clone() {
        view! { <p class="form-alert" role="alert">{closed}</p> }.into_any()
    } else if !quote.signed_in {
        view! {
            <section class="order-sign-in" aria-labelledby="who-heading">
                <h2 id="who-heading">"Log in to book"</h2>
                <p>"Bookings are kept in your account, with their invoices and certificates."</p>
                <p class="actions">
                    <a class="button-link" href=format!("/login?next={here}")>"Log in"</a>
                    <a class="button-link button-quiet" href=format!("/signup?next={here}")>"Create an account"</a>
                </p>
            </section>
        }
        .into_any()
    } else if let Some(already) = quote.already.clone() {
        view! {
            <p class="form-notice" role="status">{already} " " <a href="/account">"See your courses"</a></p>
        }
        .into_any()
    } else {
        view! { <OrderForm quote=quote.clone()/> }.into_any()
    };
    // One live seat per course: a seat on another date moves here, and
    // the form books colleagues.
    let elsewhere = quote.seat_elsewhere.clone().map(|seat| {
        view! {
            <div class="form-notice" role="status">
                <p>
                    {format!("You already have a seat on another date of this course: {}.", seat.when)}
                    " "
                    <a href=seat.move_href>"Move your seat to this date"</a>
                    " instead of booking a second one. You can still book colleagues below."
                </p>
            </div>
        }
    });
    let clashes = (!quote.clashes.is_empty()).then(|| {
        let items = quote.clashes.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view();
        view! {
            <div class="form-alert" role="alert">
                <p>"This date overlaps with another of your bookings:"</p>
                <ul>{items}</ul>
            </div>
        }
    });
    view! {
        <PageTitle text=format!("{title} · Lyceum")/>
        <Meta name="robots" content="noindex"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li><a href="/courses">"Courses"</a></li>
                <li><a href=format!("/courses/{}", quote.course_slug)>{quote.course_title.clone()}</a></li>
                <li><span aria-current="page">"Book"</span></li>
            </ol>
        </nav>
        <section class="order-step">
            <h1>{title}</h1>
            <Summary quote=quote.clone()/>
            {elsewhere}
            {clashes}
            {form}
        </section>
    }
}

#[component]
fn OrderForm(quote: OrderQuote) -> impl IntoView {
    let action = ServerAction::<PlaceOrder>::new();
    let error = last_error(action);
    let countries = COUNTRIES.iter().map(|(code, name)| (code.to_string(), name.to_string())).collect();
    let button = match quote.waitlist {
        true => "Join the waitlist",
        false => "Confirm the booking",
    };
    let terms = format!("(version {})", quote.terms_version);
    let payment_days = quote.payment_days;
    view! {
        <ActionForm action attr:class="stack-form order-form" attr:novalidate="" attr:aria-labelledby="pay-heading">
            <h2 id="pay-heading">"Who attends and who pays"</h2>
            <FormAlert error/>
            <input type="hidden" name="session_id" value=quote.session_id.to_string()/>
            <Attending error seated_elsewhere=quote.seat_elsewhere.is_some()/>
            <RadioGroup
                field=Field::Billing
                legend="The invoice is for"
                choices=vec![("private", "Me, as a private person"), ("company", "A company or organisation")]
                value="private"
                error
            />
            <TextField field=Field::BillingName label="Name on the invoice" value=quote.booker_name.clone()
                hint="Your full name, or the company's legal name." autocomplete="name" maxlength=NAME_MAX required=true error/>
            <TextField field=Field::Address label="Street address" autocomplete="street-address" maxlength=ADDRESS_MAX required=true error/>
            <div class="field-row">
                <TextField field=Field::Postcode label="Postcode" autocomplete="postal-code" maxlength=POSTCODE_MAX error/>
                <TextField field=Field::City label="Town or city" autocomplete="address-level2" maxlength=CITY_MAX required=true error/>
            </div>
            <Select field=Field::Country label="Country" choices=countries value="MT" error/>
            <TextField field=Field::VatNumber label="VAT number (companies, optional)"
                hint="With its country prefix, such as MT12345678." maxlength=20 error/>
            <TextField field=Field::PurchaseOrder label="Purchase-order reference (optional)"
                hint="Printed on the invoice, if your company needs one." maxlength=PURCHASE_ORDER_MAX error/>
            <RadioGroup
                field=Field::PaymentMethod
                legend="How you pay"
                choices=vec![
                    ("transfer", "Bank transfer, with the payment reference on the invoice"),
                    ("invoice", "Invoice to my company's accounts"),
                ]
                value="transfer"
                error
            />
            <p class="field-hint">{format!(
                "Either way the invoice comes by e-mail at once, to be paid within {payment_days} days and before the course begins. We do not take cards."
            )}</p>
            <CheckField field=Field::Terms error>
                "I accept the " <a href="/terms">"terms of booking"</a> " " {terms}
            </CheckField>
            <button type="submit" disabled=move || action.pending().get()>{button}</button>
        </ActionForm>
    }
}

/// Who attends: the booker (ticked unless they untick it) and up to
/// [`COLLEAGUE_ROWS`] colleagues by name and address, each of whom gets
/// their own seat or waitlist place, mails and calendar.
#[component]
fn Attending(error: LastError, seated_elsewhere: bool) -> impl IntoView {
    let me = match error.came_back() {
        true => error.typed("me").is_some(),
        // Someone with a seat on another date books colleagues here.
        false => !seated_elsewhere,
    };
    let problem = move || error.get().and_then(|e| e.field_message(Field::Attendees));
    let rows = (0..COLLEAGUE_ROWS)
        .map(|i| {
            let (name, email) = (format!("colleagues[{i}][name]"), format!("colleagues[{i}][email]"));
            let (name_id, email_id) = (format!("f-colleague-{i}-name"), format!("f-colleague-{i}-email"));
            let typed_name = error.typed(&name).unwrap_or_default();
            let typed_email = error.typed(&email).unwrap_or_default();
            view! {
                <div class="field-row colleague">
                    <div class="field">
                        <label for=name_id.clone()>{format!("Colleague {}: full name", i + 1)}</label>
                        <input id=name_id name=name value=typed_name maxlength=NAME_MAX.to_string() autocomplete="off"/>
                    </div>
                    <div class="field">
                        <label for=email_id.clone()>{format!("Colleague {}: e-mail address", i + 1)}</label>
                        <input id=email_id name=email type="email" value=typed_email autocomplete="off"/>
                    </div>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="field choices attendees" aria-describedby="f-attendees-hint">
            <legend>"Who attends"</legend>
            <div class="check">
                <input type="checkbox" id="f-me" name="me" value="on" checked=me/>
                <label for="f-me">"I attend this course myself"</label>
            </div>
            <p class="field-hint" id="f-attendees-hint">
                "Booking for colleagues? Name them here: each gets their own seat, or a waitlist place once the seats are gone, and their own e-mails. You receive the invoice."
            </p>
            {rows}
            {move || problem().map(|text| view! { <p class="field-error" id="f-attendees-error" role="alert">{text}</p> })}
        </fieldset>
    }
}
