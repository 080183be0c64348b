//! The HTML shell and the one route table.

use crate::components::bundle::{HydrateOnIntent, Stylesheet};
use crate::components::error_view::NotFound;
use crate::components::layout::Layout;
use crate::pages::about::{ContactPage, PrivacyPage, TermsPage};
use crate::pages::account::orders::{MyOrderPage, MyOrdersPage};
use crate::pages::account::second_factor::{AuthenticatorPage, LoginCodePage};
use crate::pages::account::{
    booking::{CancelBookingPage, MoveBookingPage},
    dashboard::DashboardPage,
    entry::{CheckEmailPage, ForgotPasswordPage, LoginPage, ResetPasswordPage, SignupPage, VerifyEmailPage},
    mine::{DataPage, ProfilePage, SecurityPage, SettingsPage},
};
use crate::pages::admin::audit::AuditPage;
use crate::pages::admin::courses::{CoursePage as AdminCoursePage, CoursesPage, NewCoursePage};
use crate::pages::admin::dashboard::DashboardPage as AdminDashboardPage;
use crate::pages::admin::enquiries::{EnquiriesPage, EnquiryPage};
use crate::pages::admin::import::ImportPage;
use crate::pages::admin::orders::{AdminOrderPage, OrdersPage};
use crate::pages::admin::roster::{RosterPage, RostersPage};
use crate::pages::admin::settings::SettingsPage as AdminSettingsPage;
use crate::pages::admin::sign_in::SignInSheetPage;
use crate::pages::admin::taxonomy::{
    CampusPage, CampusesPage, CategoriesPage, CategoryPage, InstructorPage, InstructorsPage, NewCampusPage,
    NewCategoryPage, NewInstructorPage,
};
use crate::pages::admin::users::{UserPage, UsersPage};
use crate::pages::admin::webhooks::{WebhookPage, WebhooksPage};
use crate::pages::api_docs::ApiDocsPage;
use crate::pages::book::BookPage;
use crate::pages::certificate::{CertificatePage, VerifyCertificatePage};
use crate::pages::dev_mailbox::DevMailboxPage;
use crate::pages::{catalogue::CataloguePage, course::CoursePage, home::HomePage};
use leptos::prelude::*;
use leptos_meta::{MetaTags, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <Stylesheet options=options.clone()/>
                <HydrateOnIntent options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Sends the page's Content-Security-Policy, naming the nonce leptos puts
/// on every script of this render. A cached page keeps the header that
/// came with it, so the two always agree.
#[cfg(feature = "ssr")]
fn send_page_policy() {
    use http::{HeaderValue, header::CONTENT_SECURITY_POLICY};
    let (Some(options), Some(nonce)) = (use_context::<leptos_axum::ResponseOptions>(), leptos::nonce::use_nonce())
    else {
        return;
    };
    let live_reload = std::env::var_os("LEPTOS_WATCH").is_some();
    let policy = crate::server::security::page_policy(nonce.as_inner(), live_reload);
    if let Ok(value) = HeaderValue::from_str(&policy) {
        options.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// Every page renders completely on the server before it is sent
/// (`SsrMode::Async`): the page works without JavaScript, and its title and
/// meta tags are in the head where crawlers read them.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::components::form::provide_returned_form();
    view! {
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("courses") view=CataloguePage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("courses"), ParamSegment("slug")) view=CoursePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("signup") view=SignupPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("login"), StaticSegment("code")) view=LoginCodePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("check-email") view=CheckEmailPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("contact") view=ContactPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("privacy") view=PrivacyPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("terms") view=TermsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("api"), StaticSegment("docs")) view=ApiDocsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("account") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("enrolments"), ParamSegment("id"), StaticSegment("cancel")) view=CancelBookingPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("enrolments"), ParamSegment("id"), StaticSegment("move")) view=MoveBookingPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("profile")) view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("settings")) view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("security")) view=SecurityPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("authenticator")) view=AuthenticatorPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("data")) view=DataPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("orders")) view=MyOrdersPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("orders"), ParamSegment("reference")) view=MyOrderPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("book"), ParamSegment("session")) view=BookPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("certificates") view=VerifyCertificatePage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("certificates"), ParamSegment("code")) view=CertificatePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("admin") view=AdminDashboardPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("audit")) view=AuditPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("webhooks")) view=WebhooksPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("webhooks"), ParamSegment("id")) view=WebhookPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("courses")) view=CoursesPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("import")) view=ImportPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("courses"), StaticSegment("new")) view=NewCoursePage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("courses"), ParamSegment("id")) view=AdminCoursePage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("sessions")) view=RostersPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("sessions"), ParamSegment("id")) view=RosterPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("sessions"), ParamSegment("id"), StaticSegment("sign-in")) view=SignInSheetPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("enquiries")) view=EnquiriesPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("enquiries"), ParamSegment("id")) view=EnquiryPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("categories")) view=CategoriesPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("categories"), StaticSegment("new")) view=NewCategoryPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("categories"), ParamSegment("id")) view=CategoryPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("campuses")) view=CampusesPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("campuses"), StaticSegment("new")) view=NewCampusPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("campuses"), ParamSegment("id")) view=CampusPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("instructors")) view=InstructorsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("instructors"), StaticSegment("new")) view=NewInstructorPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("instructors"), ParamSegment("id")) view=InstructorPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("settings")) view=AdminSettingsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("orders")) view=OrdersPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("orders"), ParamSegment("reference")) view=AdminOrderPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("users")) view=UsersPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("users"), ParamSegment("id")) view=UserPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("dev"), StaticSegment("mailbox")) view=DevMailboxPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
