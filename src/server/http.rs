//! The router: pages, server functions, operator endpoints and static
//! files, wrapped in the middleware every response passes through.

use super::{
    AppState, certificates, client, downloads, exchange, metrics, ops, page_cache, security,
    session_store::DbSessionStore,
};
use crate::app::{App, shell};
use axum::{
    Router,
    body::Body,
    extract::State,
    http::{HeaderName, HeaderValue, Request, Response, header},
    response::IntoResponse,
    routing::{get, post},
};
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::{sync::OnceLock, time::Duration};
use tower::ServiceBuilder;
use tower_http::{
    CompressionLevel,
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};
use tracing::{Span, info_span};

const REQUEST_ID: HeaderName = security::REQUEST_ID;

/// The app's routes, listed once per process. Listing runs the app with
/// resource loading suppressed for the whole process (leptos_server's
/// global switch), so a page rendering at that moment would wait forever:
/// it must never run beside a render, as it would when routers are built
/// again (tests build one per case).
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the whole application.
pub fn router(state: AppState) -> Router {
    // Install the recorder before the first request is counted, and the
    // task spawner before the first render.
    metrics::handle();
    super::telemetry::trace_spawned_tasks();
    let routes = routes();
    let site_root = state.leptos.site_root.to_string();
    let pkg_dir = format!("{site_root}/{}", state.leptos.site_pkg_dir);

    // Hashed file names change with their content, so they can be cached for a year.
    let pkg = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip());
    // Files of `public/` under their own names: cached for a day.
    let day =
        || SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    let favicon = ServiceBuilder::new().layer(day()).service(ServeFile::new(format!("{site_root}/favicon.svg")));
    let subjects = ServiceBuilder::new().layer(day()).service(ServeDir::new(format!("{site_root}/subjects")));

    let https = state.config.https();
    let sessions = session_layer(&state);
    let hsts = https.then(|| {
        SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        )
    });
    let site = security::SiteOrigin::from_public_url(&state.config.public_url);
    let proxies = client::ProxyRules::from_config(&state.config);

    let app_state = state.clone();
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::public_metrics))
        .route("/sitemap.xml", get(ops::sitemap))
        .route("/robots.txt", get(ops::robots))
        .route("/account/data/export", get(downloads::my_data))
        .route("/account/invoices/{file}", get(downloads::invoice))
        .route("/admin/invoices/{file}", get(downloads::invoice))
        .route("/sessions/{file}", get(downloads::session_calendar))
        .route("/calendar/{file}", get(downloads::calendar_feed))
        .route(certificates::keys::JWKS_PATH, get(downloads::jwks))
        .route("/certificates/{code}/credential.jwt", get(downloads::credential))
        .route("/admin/export/courses.csv", get(exchange::export_courses))
        .route("/admin/export/sessions.csv", get(exchange::export_sessions))
        .route("/admin/sessions/{id}/roster.csv", get(exchange::export_roster))
        // The page itself is the app's (GET); the form posts here.
        .route(
            exchange::IMPORT_PATH,
            post(exchange::import).layer(axum::extract::DefaultBodyLimit::max(exchange::IMPORT_MAX_BYTES)),
        )
        .merge(super::api::router(&state))
        .nest_service("/pkg", pkg)
        .route_service("/favicon.svg", favicon)
        .nest_service("/subjects", subjects)
        .leptos_routes_with_context(&state, routes, move || provide_context(app_state.clone()), {
            let leptos = state.leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(not_found)
        // Inside the session layer: it keeps a failed form in the session.
        .layer(axum::middleware::from_fn_with_state(super::returned::Marker { secure: https }, super::returned::keep))
        .layer(sessions)
        .layer(axum::middleware::from_fn(unsaved_session))
        // Inside compression: it reads the error a server function wrote.
        .layer(axum::middleware::from_fn(super::error::server_fn_status))
        // Inside the page cache, which still serves what it keeps.
        .layer(axum::middleware::from_fn_with_state(state.lifecycle.clone(), super::lifecycle::answer_outage))
        // Outermost first: request id, trace span, metrics, panic guard,
        // timeout, client, same-origin check, sound input, canonical
        // addresses, page cache,
        // compression, security headers; the session layer sits inside them all.
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn(security::plain_request_id))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<Body>| {
                            let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                            info_span!(
                                "request",
                                request_id = %request_id,
                                method = %req.method(),
                                route = %metrics::route_of(req),
                            )
                        })
                        .on_request(())
                        .on_response(|res: &Response<Body>, latency: Duration, _span: &Span| {
                            tracing::info!(
                                status = res.status().as_u16(),
                                latency_ms = latency.as_secs_f64() * 1000.0,
                                "request finished"
                            );
                        })
                        .on_failure(()),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(axum::middleware::from_fn_with_state(
                    state.lifecycle.clone(),
                    super::lifecycle::close_when_draining,
                ))
                .layer(axum::middleware::from_fn(metrics::track))
                .layer(CatchPanicLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    state.config.request_timeout,
                ))
                .layer(axum::middleware::from_fn_with_state(proxies, client::identify))
                .layer(axum::middleware::from_fn_with_state(site, security::same_origin))
                .layer(axum::middleware::from_fn(security::sound_input))
                .layer(axum::middleware::from_fn(super::canonical::redirect))
                // Outside compression, so cached pages are kept compressed.
                .layer(axum::middleware::from_fn_with_state(state.pages.clone(), page_cache::serve))
                // Level 4 gives most of brotli's gain at a fraction of its cost on
                // pages rendered per request; static files are precompressed at build.
                .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
                // Inside compression: it reads and rewrites the page itself.
                .layer(axum::middleware::from_fn_with_state(
                    super::shared_pages::SharedPolicy::new(state.config.shared_cache),
                    super::shared_pages::share,
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("strict-origin-when-cross-origin"),
                ))
                // Pages set their own policy, with their scripts' nonce (see `app::shell`).
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(security::DEFAULT_POLICY),
                ))
                .option_layer(hsts),
        )
        .with_state(state)
}

/// The operators' own address (`LYCEUM_OPS_ADDR`): metrics, health and
/// readiness, without a token, for a scraper on a private network.
pub fn operator_router(state: AppState) -> Router {
    metrics::handle();
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
}

/// Sessions: in the database, the cookie out of scripts' reach, not sent on
/// cross-site subrequests, `Secure` (and `__Host-`) over https. Every
/// route that needs to know who is calling sits inside this layer.
pub fn session_layer(state: &AppState) -> SessionManagerLayer<DbSessionStore> {
    let https = state.config.https();
    let idle = time::Duration::seconds(state.config.session_idle.as_secs() as i64);
    SessionManagerLayer::new(state.session_store.clone())
        .with_name(if https { "__Host-lyceum_session" } else { "lyceum_session" })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(https)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}

/// tower-sessions answers a request whose session it could not store on
/// the way out (a new one: a sign-in, a form kept for its page) with an
/// empty `500`, the only empty `500` Lyceum makes. That is the session
/// store being too busy, not a fault: it becomes a `503` to try again.
/// (A failed save of an existing session is let go by the store itself;
/// see `session_store`.)
async fn unsaved_session(request: Request<Body>, next: axum::middleware::Next) -> Response<Body> {
    use axum::body::HttpBody;
    let response = next.run(request).await;
    let empty = response.body().size_hint().exact() == Some(0);
    if response.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR || !empty {
        return response;
    }
    let retry = super::error::BUSY_RETRY_AFTER_SECS;
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, retry.to_string()), (header::CONTENT_TYPE, "text/plain; charset=utf-8".into())],
        format!("Lyceum is very busy at the moment. Please try again in {retry} seconds."),
    )
        .into_response()
}

/// Renders the app's not-found page with status 404 for any unknown path.
async fn not_found(State(state): State<AppState>, req: Request<Body>) -> Response<Body> {
    let leptos = state.leptos.clone();
    let handler = leptos_axum::render_app_async_with_context(
        {
            let state = state.clone();
            move || provide_context(state.clone())
        },
        move || shell(leptos.clone()),
    );
    let mut response = handler(req).await.into_response();
    if response.status().is_success() {
        *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
    }
    response
}
