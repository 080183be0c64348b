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

/// The address the page cache keeps a catalogue page under: its query as
/// understood, with the fields its notices are about. Addresses that mean
/// the same share an entry, and values the catalogue cannot use (which it
/// explains, rather than redirecting) cannot make new ones. Worked out
/// here, where the query is read anyway, and handed on with the request.
#[derive(Clone, Debug)]
pub struct CacheAddress(pub String);

/// Redirects GET and HEAD requests for a non-canonical address; hands a
/// catalogue request on with its [`CacheAddress`].
pub async fn redirect(mut req: Request<Body>, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let (location, cache) = resolve(req.uri());
        if let Some(location) = location {
            return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
        }
        if let Some(cache) = cache {
            req.extensions_mut().insert(cache);
        }
    }
    next.run(req).await
}

/// The canonical form of `uri` when it is not already, and for the
/// catalogue its [`CacheAddress`]: its query is read once for both.
fn resolve(uri: &Uri) -> (Option<String>, Option<CacheAddress>) {
    let path = uri.path();
    let trimmed = path.trim_end_matches('/');
    // "//elsewhere.example/" would leave the site: never a target.
    let path = match trimmed {
        "" => path,
        _ if trimmed.starts_with("//") => return (None, None),
        _ => trimmed,
    };
    let (query, cache) = match (path, uri.query()) {
        ("/courses", Some(raw)) => {
            let (query, notices) = CatalogueQuery::from_query_string(raw);
            let canonical = query.to_query_string();
            let mut fields: Vec<&str> = notices.iter().map(|notice| notice.field.as_str()).collect();
            fields.sort_unstable();
            fields.dedup();
            let cache = CacheAddress(format!("/courses?{canonical}#{}", fields.join(",")));
            // What cannot be used as given stays, for the page to say why.
            (Some(if notices.is_empty() { canonical } else { raw.to_string() }), Some(cache))
        }
        (_, query) => (query.map(str::to_string), None),
    };
    let changed = path != uri.path() || query.as_deref() != uri.query();
    let location = changed.then(|| match query.as_deref() {
        Some("") | None => path.to_string(),
        Some(query) => format!("{path}?{query}"),
    });
    (location, cache)
}

#[cfg(test)]
mod tests {
    use super::resolve;

    fn of(address: &str) -> Option<String> {
        resolve(&address.parse().unwrap()).0
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

    #[test]
    fn catalogue_addresses_that_mean_the_same_share_an_entry() {
        let of = |uri: &str| {
            let uri: axum::http::Uri = uri.parse().unwrap();
            resolve(&uri).1.map_or_else(|| uri.to_string(), |address| address.0)
        };
        assert_eq!(of("/courses?q=cloud&mode=x"), of("/courses?mode=y&q=cloud"), "values it cannot use");
        assert_eq!(of("/courses?q=cloud&mode=x"), "/courses?q=cloud#mode");
        assert_ne!(of("/courses?q=cloud"), of("/courses?q=cloud&mode=x"), "a notice is part of the page");
        assert_eq!(of("/courses?utm=1&q=cloud"), "/courses?q=cloud#");
        assert_eq!(of("/courses/aws?x=1"), "/courses/aws?x=1", "other pages as asked");
    }
}
