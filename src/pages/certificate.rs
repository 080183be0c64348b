//! `/certificates/{code}`: the public verification of a certificate. It
//! says plainly whether the certificate is valid or revoked (and why),
//! shows what it certifies with a QR code of this page's own address, and
//! prints as a one-page A4 certificate (see `style/print.css`).

use crate::components::loaded::Loaded;
use crate::components::status::set_no_store;
use crate::components::verbatim::PageTitle;
use crate::model::certificate::CertificateView;
use crate::server_fns::certificates::get_certificate;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CertificatePage() -> impl IntoView {
    // Always checked afresh: a revocation shows at once, and every lookup
    // counts against the client's limit (a cached page would not).
    set_no_store();
    let params = use_params_map();
    let certificate = Resource::new(move || params.read().get("code").unwrap_or_default(), get_certificate);
    view! {
        <Loaded data=certificate loading="Checking the certificate…" render=|certificate| view! { <Certificate certificate/> }/>
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
    let credential_href = format!("/certificates/{code}/credential.jwt");
    view! {
        <PageTitle text=title/>
        <Meta name="robots" content="noindex"/>
        <article class="certificate" aria-labelledby="certificate-heading">
            {verdict}
            <div class="certificate-sheet">
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
                    <div><dt>"Certificate number"</dt><dd class="certificate-code">{code}</dd></div>
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
            </section>
        </article>
    }
}
