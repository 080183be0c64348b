//! `/certificates/{code}`: the public verification of a certificate. It
//! says plainly whether the certificate is valid or revoked (and why),
//! shows what it certifies with a QR code of this page's own address, and
//! prints as a one-page A4 certificate (see `@media print` in
//! `style/main.css`), a revoked one marked so on the sheet itself.
//!
//! `/certificates`: where anyone holding a certificate's number, on paper
//! or read out over the phone, types it to reach that page.

use crate::components::error_view::ErrorView;
use crate::components::form::{LastError, TextField};
use crate::components::status::{set_http_status, set_no_store};
use crate::components::verbatim::PageTitle;
use crate::error::AppError;
use crate::model::certificate::{CertificateView, grouped_code, parse_code, spelled_code};
use crate::model::form::{Field, FieldError, Problem};
use crate::server_fns::certificates::get_certificate;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn CertificatePage() -> impl IntoView {
    // Always checked afresh: a revocation shows at once, and every lookup
    // counts against the client's limit (a cached page would not).
    set_no_store();
    let params = use_params_map();
    let certificate = Resource::new(move || params.read().get("code").unwrap_or_default(), get_certificate);
    let content = move || {
        Suspend::new(async move {
            match certificate.await {
                Ok(certificate) => view! { <Certificate certificate/> }.into_any(),
                // Whether the number is unknown or not a number at all, the
                // visitor is told the same and may try another.
                Err(AppError::NotFound) => view! { <NoSuchCertificate/> }.into_any(),
                Err(error) => view! { <ErrorView error/> }.into_any(),
            }
        })
    };
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Checking the certificate…"</p> }>{content}</Suspense>
    }
}

#[component]
fn NoSuchCertificate() -> impl IntoView {
    set_http_status(404);
    view! {
        <PageTitle text="Certificate not found · Lyceum"/>
        <Meta name="robots" content="noindex"/>
        <section class="notice-page" aria-labelledby="missing-heading">
            <h1 id="missing-heading">"Certificate not found"</h1>
            <p class="certificate-missing" role="alert">"No certificate has this number."</p>
            <p>"Check the number against the certificate and type it again."</p>
            <VerifyForm typed=String::new() error=LastError::found(None)/>
        </section>
    }
}

/// `/certificates?code=…`: a number typed in any way Crockford's base32
/// reads (grouped, hyphenated, any case) goes on to its certificate's
/// page; anything else comes back with the problem beside the field.
#[component]
pub fn VerifyCertificatePage() -> impl IntoView {
    let query = use_query_map();
    move || {
        let typed = query.read().get("code");
        let problem = match typed.as_deref().map(|typed| (typed.trim().is_empty(), parse_code(typed))) {
            None => None,
            Some((_, Some(code))) => return view! { <Redirect path=format!("/certificates/{code}")/> }.into_any(),
            Some((true, None)) => Some(Problem::Required),
            Some((false, None)) => Some(Problem::MalformedCertificateCode),
        };
        if problem.is_some() {
            set_http_status(422);
        }
        let error = LastError::found(
            problem.map(|problem| AppError::Invalid(vec![FieldError { field: Field::Code, problem }])),
        );
        view! {
            <PageTitle text="Verify a certificate · Lyceum"/>
            <section class="notice-page" aria-labelledby="verify-heading">
                <h1 id="verify-heading">"Verify a certificate"</h1>
                <p>
                    "Every certificate the academy issues has a number. Type it here to see the certificate "
                    "as the academy holds it, and whether it is still valid."
                </p>
                <VerifyForm typed=typed.unwrap_or_default() error/>
            </section>
        }
        .into_any()
    }
}

/// The form that takes a certificate's number to its page. A plain GET,
/// so it works without JavaScript and its result can be bookmarked.
#[component]
fn VerifyForm(typed: String, error: LastError) -> impl IntoView {
    view! {
        <form class="verify-form" method="get" action="/certificates" aria-label="Verify a certificate">
            <TextField
                field=Field::Code
                label="Certificate number"
                value=typed
                autocomplete="off"
                maxlength=64
                hint="The 26 letters and digits printed on the certificate. Spaces, hyphens and capitals do not matter."
                error
            />
            <button type="submit">"Verify"</button>
        </form>
    }
}

#[component]
fn Certificate(certificate: CertificateView) -> impl IntoView {
    let CertificateView {
        code,
        learner_name,
        course_title,
        course_slug,
        hours,
        dates,
        issuer,
        issued_on,
        issued_at,
        revoked,
        url,
        qr_svg,
    } = certificate;
    let title = format!("Certificate: {course_title}, {learner_name} · {issuer}");
    let verdict = match &revoked {
        None => view! {
            <p class="verdict verdict-valid" role="status">
                <strong>"Valid."</strong>
                {format!(" This certificate was issued by {issuer} and has not been revoked.")}
            </p>
        }
        .into_any(),
        Some(revocation) => view! {
            <div class="verdict verdict-revoked" role="alert">
                <p><strong>"Revoked."</strong>{format!(" {issuer} withdrew this certificate on {}.", revocation.on)}</p>
                <p>"Reason: "{revocation.reason.clone()}</p>
            </div>
        }
        .into_any(),
    };
    // On the sheet itself, so a printed or photographed revoked
    // certificate carries its revocation wherever it goes.
    let revoked_band = revoked.as_ref().map(|revocation| {
        view! {
            <p class="certificate-revoked">
                <strong>{format!("Revoked on {}", revocation.on)}</strong>": "{revocation.reason.clone()}
            </p>
        }
    });
    let sheet_class = if revoked.is_some() { "certificate-sheet is-revoked" } else { "certificate-sheet" };
    let grouped = grouped_code(&code);
    let spelled = spelled_code(&code);
    let credential_href = format!("/certificates/{code}/credential.jwt");
    view! {
        <PageTitle text=title/>
        <Meta name="robots" content="noindex"/>
        <article class="certificate" aria-labelledby="certificate-heading">
            {verdict}
            <div class=sheet_class>
                {revoked_band}
                <p class="certificate-issuer">{issuer.clone()}</p>
                <h1 id="certificate-heading">"Certificate of completion"</h1>
                <p class="certificate-intro">"This certifies that"</p>
                <p class="certificate-name">{learner_name}</p>
                <p class="certificate-intro">"has completed"</p>
                <p class="certificate-course"><a href=format!("/courses/{course_slug}")>{course_title}</a></p>
                <dl class="certificate-facts">
                    <div><dt>"Dates"</dt><dd>{dates}</dd></div>
                    <div><dt>"Hours"</dt><dd>{hours}</dd></div>
                    <div><dt>"Issued"</dt><dd><time datetime=issued_at>{issued_on}</time></dd></div>
                    <div>
                        <dt>"Certificate number"</dt>
                        <dd class="certificate-code" aria-label=spelled>{grouped}</dd>
                    </div>
                </dl>
                <figure class="certificate-qr">
                    <div inner_html=qr_svg></div>
                    <figcaption>"Check it at "<span class="certificate-url">{url}</span></figcaption>
                </figure>
            </div>
            <section class="certificate-tools no-print" aria-labelledby="credential-heading">
                <h2 id="credential-heading">"Digital credential"</h2>
                <p>
                    "The same certificate as an Open Badges 3.0 credential, signed by the academy: "
                    "wallets and verifiers check it against the keys published at "
                    <a href="/.well-known/jwks.json">"/.well-known/jwks.json"</a>"."
                </p>
                <p><a class="button-link" href=credential_href download="">"Download the signed credential"</a></p>
                <p><a href="/certificates">"Verify another certificate"</a></p>
            </section>
        </article>
    }
}
