//! One address per page. A path with a trailing slash (`/courses/`,
//! `/login/`), and a catalogue address other than the one its query
//! makes (what a plain GET form sends, `/courses?q=cloud&category=&sort=`,
//! or fields in another order, defaults spelled out, unknown fields), are
//! sent on to the page's own address, so links, bookmarks, crawlers and
//! the page cache agree.

use crate::model::query::CatalogueQuery;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Redirects GET and HEAD requests for a non-canonical address.
pub async fn redirect(req: Request<Body>, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD)
        && let Some(location) = canonical(req.uri())
    {
        return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
    }
    next.run(req).await
}

/// The canonical form of `uri` (a path and query on this site), when it
/// is not already.
pub fn canonical(uri: &Uri) -> Option<String> {
    let path = uri.path();
    let trimmed = path.trim_end_matches('/');
    // "//elsewhere.example/" would leave the site: never a target.
    let path = match trimmed {
        "" => path,
        _ if trimmed.starts_with("//") => return None,
        _ => trimmed,
    };
    let query = uri.query().map(|query| match path {
        "/courses" => catalogue_query(query),
        _ => query.to_string(),
    });
    let changed = path != uri.path() || query.as_deref() != uri.query();
    changed.then(|| match query.as_deref() {
        Some("") | None => path.to_string(),
        Some(query) => format!("{path}?{query}"),
    })
}

/// The catalogue's own query string for `raw`; `raw` itself when part of
/// it cannot be used as given, so the page can say why.
fn catalogue_query(raw: &str) -> String {
    let (query, notices) = CatalogueQuery::from_query_string(raw);
    match notices.is_empty() {
        true => query.to_query_string(),
        false => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::canonical;

    fn of(address: &str) -> Option<String> {
        canonical(&address.parse().unwrap())
    }

    #[test]
    fn a_trailing_slash_goes() {
        assert_eq!(of("/courses/").as_deref(), Some("/courses"));
        assert_eq!(of("/login//?next=%2Faccount").as_deref(), Some("/login?next=%2Faccount"));
        assert_eq!(of("/courses/aws-essentials/").as_deref(), Some("/courses/aws-essentials"));
        assert_eq!(of("/"), None);
        assert_eq!(of("/courses"), None);
    }

    #[test]
    fn never_towards_another_site() {
        assert_eq!(of("//evil.example/"), None);
        assert_eq!(of("///evil.example//"), None);
    }

    #[test]
    fn a_catalogue_address_is_the_one_its_query_makes() {
        let cases = [
            ("/courses?q=&category=cloud&kind=&sort=title", "/courses?category=cloud&sort=title"),
            ("/courses?q=&category=", "/courses"),
            ("/courses?q=cloud+security&&", "/courses?q=cloud+security"),
            ("/courses?&=", "/courses"),
            // The default order, spelled out; fields in another order; unknown fields.
            ("/courses?q=cloud&sort=relevance", "/courses?q=cloud"),
            ("/courses?sort=date&per_page=12", "/courses"),
            ("/courses?mode=online&q=cloud", "/courses?q=cloud&mode=online"),
            ("/courses?utm_source=mail&page=2", "/courses?page=2"),
        ];
        for (asked, canonical) in cases {
            assert_eq!(of(asked).as_deref(), Some(canonical), "{asked}");
        }
        assert_eq!(of("/courses?q=cloud+security&page=2"), None);
        // What cannot be used as given stays, for the page to explain.
        assert_eq!(of("/courses?mode=x&q="), None);
        // Another page's query is its own business.
        assert_eq!(of("/login?next="), None);
    }

    #[test]
    fn the_canonical_address_is_canonical() {
        for address in ["/courses?q=%C3%A9t%C3%A9&category=", "/courses/?q=a%26b&x=", "/courses?q=caf%C3%A9+bar&mode="]
        {
            let once = of(address).unwrap();
            assert_eq!(of(&once), None, "{address} → {once}");
        }
    }
}
