//! Endpoints for operators and crawlers: health, readiness, metrics,
//! sitemap and robots.txt.

use super::{
    AppState,
    crypto::token_hash,
    error::Error,
    lifecycle::{Lifecycle, Readiness},
    metrics,
};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

/// The process is up and serving.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The process takes traffic: it is not draining and its database
/// answered within a second (see `lifecycle`). A balancer's health check
/// should read this, not `/healthz`.
pub async fn readyz(State(lifecycle): State<Lifecycle>) -> Response {
    let (status, text) = match lifecycle.readiness().await {
        Readiness::Ready => (StatusCode::OK, "ready\n"),
        Readiness::Draining => (StatusCode::SERVICE_UNAVAILABLE, "draining\n"),
        Readiness::DatabaseUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n"),
    };
    // Every balancer must see the current answer, never a kept one.
    (status, [(header::CACHE_CONTROL, "no-store")], text).into_response()
}

/// `/metrics` on the public address: only with the operators' bearer
/// token, and not at all when operators have an address of their own.
pub async fn public_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = match (&state.config.ops_addr, &state.config.metrics_token) {
        (None, Some(token)) => token,
        // Not served here: as for any unknown address.
        _ => return (StatusCode::NOT_FOUND, "not found\n").into_response(),
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Digests compared, so the time taken says nothing of the token.
    if token_hash(offered) != token_hash(&String::from_utf8_lossy(token.expose())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
            "a bearer token is required\n",
        )
            .into_response();
    }
    metrics(State(state)).await
}

/// Every metric in Prometheus's text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let jobs = match crate::server::jobs::queue::by_kind(&state.db, chrono::Utc::now()).await {
        Ok(kinds) => Some(kinds),
        // The rest is still worth reading when the database is away.
        Err(error) => {
            tracing::warn!(%error, "metrics: the job queue could not be read");
            None
        }
    };
    let jobs: Option<Vec<metrics::JobKind<'_>>> = jobs.as_ref().map(|kinds| {
        kinds
            .iter()
            .map(|k| metrics::JobKind {
                kind: &k.kind,
                queued: k.queued,
                running: k.running,
                failed: k.failed,
                oldest_due_secs: k.oldest_due_secs,
            })
            .collect()
    });
    let body = metrics::render(&metrics::Gauges {
        pool: state.db.pool_state(),
        pages: state.pages.gauges().await,
        jobs: jobs.as_deref(),
    });
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

pub async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /rpc/\nDisallow: /metrics\n\nSitemap: {}/sitemap.xml\n",
        state.config.public_url
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

pub async fn sitemap(State(state): State<AppState>) -> Result<Response, Error> {
    let entries = state.catalogue.sitemap().await?;
    let base = &state.config.public_url;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    // A sitemap file holds at most 50,000 URLs.
    for (path, modified) in entries.iter().take(50_000) {
        xml.push_str("  <url><loc>");
        xml.push_str(&escape_xml(&format!("{base}{path}")));
        xml.push_str("</loc>");
        if let Some(modified) = modified {
            xml.push_str(&format!("<lastmod>{}</lastmod>", modified.format("%Y-%m-%d")));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
