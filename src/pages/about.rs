//! The academy's own pages: `/contact`, `/privacy` and `/terms`. Plain
//! pages, written for the people who read them; the contact details come
//! from the academy's settings and campuses. `/contact` also has the
//! enquiry form, which a course's page can open with the course chosen
//! (`/contact?course=…`).

use crate::components::contact::SiteContact;
use crate::components::form::{FormAlert, NoticeBanner, Select, TextArea, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::components::verbatim::PageTitle;
use crate::model::account::{EMAIL_MAX, NAME_MAX, PHONE_MAX};
use crate::model::enquiry::{ContactForm, MESSAGE_MAX};
use crate::model::form::Field;
use crate::server_fns::enquiries::{SendEnquiry, get_contact_form};
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_query_map;

/// One of these pages: its title (in the head and as its heading), the
/// description search engines show, the lead paragraph, then the text.
#[component]
fn Prose(title: &'static str, description: &'static str, lead: &'static str, children: Children) -> impl IntoView {
    view! {
        <PageTitle text=format!("{title} · Lyceum")/>
        <Meta name="description" content=description/>
        <article class="prose">
            <h1>{title}</h1>
            <p class="lead">{lead}</p>
            {children()}
        </article>
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let query = use_query_map();
    let send = ServerAction::<SendEnquiry>::new();
    // Drawn afresh once a message is sent, so the form starts empty again.
    let form = Resource::new(
        move || (query.read().get("course"), send.version().get()),
        |(course, _)| get_contact_form(course),
    );
    view! {
        <Prose
            title="Contact us"
            description="How to reach the academy: campuses in Valletta and Sliema, phone, e-mail and opening hours."
            lead="Questions about a course, a booking for your team, or a certificate? We are glad to help."
        >
            <SiteContact/>
            <h2 id="enquiry-heading">"Send us a message"</h2>
            <Loaded data=form render=move |form| view! { <EnquiryForm form send/> }/>
            <h2>"Booking for a team"</h2>
            <p>"We run any course for a team of six or more, at one of our campuses, at your offices or online, on dates that suit you. Write to us with the course, the number of people and the weeks you have in mind."</p>
            <h2>"Your account and your data"</h2>
            <p>"You can see, download and delete what we keep about you from your account pages. How we handle it is set out in our " <a href="/privacy">"privacy notice"</a> "."</p>
        </Prose>
    }
}

/// The enquiry form: errors by the fields, and what was typed kept when
/// it comes back, with JavaScript or without.
#[component]
fn EnquiryForm(form: ContactForm, send: ServerAction<SendEnquiry>) -> impl IntoView {
    let error = last_error(send);
    view! {
        <NoticeBanner unless=error/>
        <FormAlert error/>
        <ActionForm action=send attr:class="stack-form enquiry-form" attr:novalidate="" attr:aria-labelledby="enquiry-heading">
            <TextField field=Field::Name label="Your name" value=form.name autocomplete="name" required=true maxlength=NAME_MAX error/>
            <TextField field=Field::Email label="Your e-mail address" kind="email" value=form.email autocomplete="email" required=true maxlength=EMAIL_MAX hint="We answer here, and send nothing else." error/>
            <TextField field=Field::Phone label="Phone (optional)" kind="tel" autocomplete="tel" maxlength=PHONE_MAX hint="If you would rather we call. Kept encrypted." error/>
            <Select field=Field::Course label="Course (optional)" any="No course in particular" choices=form.courses value=form.course error/>
            <TextArea field=Field::Message label="Your message" value="" max=MESSAGE_MAX error/>
            // A trap for programs that fill in every field: hidden from
            // people (and from screen readers), so only they fill it in.
            <div class="form-trap" aria-hidden="true">
                <label for="f-website">"Leave this field empty"</label>
                <input id="f-website" name="website" type="text" value="" tabindex="-1" autocomplete="off"/>
            </div>
            <button type="submit" disabled=move || send.pending().get()>"Send message"</button>
        </ActionForm>
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    view! {
        <Prose
            title="Privacy notice"
            description="What the academy keeps about learners, why, for how long, and your rights."
            lead="What we keep about you, why, for how long, and what you can do about it."
        >
            <h2>"What we keep"</h2>
            <ul>
                <li>"Your account: your name, e-mail address and a one-way hash of your password (never the password itself)."</li>
                <li>"What you choose to add to your profile: phone number (kept encrypted), company, job title and a few words about yourself."</li>
                <li>"Your enrolments, waiting-list places, attendance, completions and certificates, and your private calendar address if you made one."</li>
                <li>"Your orders: who they are billed to (a name or company, postal address, VAT number, purchase-order reference), how you pay, the version of the terms you accepted, the invoices and credit notes issued, and the payments received."</li>
                <li>"The sessions in which you are logged in (browser, network address, when), so you can see and end them."</li>
                <li>"A record of security events on your account (logins, password changes), kept to protect it."</li>
                <li>"The messages you send us through the contact form, with your name, e-mail address and, if you give it, your phone number (kept encrypted), and our replies."</li>
            </ul>
            <h2>"Why"</h2>
            <p>"To run the courses you book: to hold your seat, tell you about it, remind you before it starts, record that you attended and completed, and issue a certificate that others can check. We do not sell or share your data for marketing, and we send you no newsletters or offers: only mail about your own bookings and account."</p>
            <h2>"Certificates"</h2>
            <p>"A certificate's page shows your name, the course, its dates and hours, to anyone who has its link or code: that is how an employer can check it. Certificates are not listed or searchable."</p>
            <h2>"How long"</h2>
            <p>"We keep your account until you delete it. Certificates stay verifiable after that, as they were issued; everything else about you is removed or made anonymous. Logged-out sessions and expired links are deleted."</p>
            <p>"Invoices and credit notes, with the billing details printed on them and the payments against them, are kept for as long as tax law requires the academy to keep its accounting records, also after you delete your account: the law does not let us delete them sooner. The billing details of an order that was never invoiced are deleted with your account."</p>
            <h2>"Your rights"</h2>
            <p>"You can download everything we keep about you, and delete your account, from " <a href="/account/data">"your account's data page"</a> ". You can also ask us to correct anything, or complain to the Information and Data Protection Commissioner of Malta."</p>
            <p>"For anything else, " <a href="/contact">"contact us"</a> "."</p>
        </Prose>
    }
}

#[component]
pub fn TermsPage() -> impl IntoView {
    view! {
        <Prose
            title="Terms of booking"
            description="Booking, prices, cancellations, waiting lists and certificates: the academy's terms."
            lead="The short version: book a seat, come to your sessions, and tell us in good time if you cannot."
        >
            <h2>"Booking"</h2>
            <p>"A seat is yours once we confirm it by e-mail. When a session is full you can join its waiting list: if a seat frees up, the first person waiting gets it at once and we tell them by e-mail."</p>
            <h2>"Prices"</h2>
            <p>"Prices are per person for the whole course, and say whether VAT is included. Course materials, exercises and the certificate are included; exam vouchers for vendor certifications are not, unless the course says so."</p>
            <h2>"Paying"</h2>
            <p>"Every booking is an order with an invoice for each seat confirmed, sent by e-mail and kept in your account. Pay by bank transfer, quoting the payment reference on the invoice, by its due date: the academy's payment terms, and never later than the day before the course begins. A company can ask for the invoice in its name, with its VAT number and purchase-order reference. A place on a waiting list costs nothing until a seat is confirmed; its invoice follows then. Unpaid invoices are followed up by our staff; a seat is never cancelled without telling you."</p>
            <p>"Business customers registered for VAT in another EU member state who book online training are invoiced without VAT under the reverse charge; training attended in person is taxed where it takes place."</p>
            <h2>"Cancelling or moving"</h2>
            <p>"You can cancel a seat, or move it to another date of the same course with free seats, from your account until the cut-off the course sets before it starts. After that, please contact us. A waiting-list place can be given up until the session starts."</p>
            <h2>"If we change a session"</h2>
            <p>"If we must move or cancel a session, we tell you by e-mail at once, with an updated calendar entry, and you can move to another date or cancel."</p>
            <h2>"Certificates"</h2>
            <p>"Courses that award a certificate do so when you have attended and completed them. Each certificate has a page of its own where anyone can check it, and a signed digital credential you can keep."</p>
            <p>"Cancelling a seat before the cut-off costs nothing: the invoice is cancelled by a credit note for the full amount, and anything paid for it is refunded to the account it came from. Invoices themselves are never edited."</p>
            <p>"Questions? " <a href="/contact">"Contact us"</a> "."</p>
            <p class="muted">{format!("Version {} of these terms.", crate::model::billing::TERMS_VERSION)}</p>
        </Prose>
    }
}
