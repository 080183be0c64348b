//! Pieces of pages rendered once and copied into every page that shows
//! them. A course card is the same on every results page it appears on,
//! and a page of results shows dozens, so rendering each card once per
//! content takes most of the rendering off a search no cache has seen.
//!
//! A fragment is keyed by everything it is rendered from, so a cached one
//! is never stale: a change of title, price or seats is another key, and
//! the old entry ages out within the memory bound.

use crate::model::catalogue::CourseCard;
use moka::sync::Cache;
use std::sync::{Arc, LazyLock};

/// About what the rendered cards may hold (a card is about 1.3 KiB).
const CARD_BYTES: u64 = 4 * 1024 * 1024;

type CardKey = (CourseCard, bool);

static CARDS: LazyLock<Cache<CardKey, Arc<str>>> = LazyLock::new(|| {
    Cache::builder()
        .max_capacity(CARD_BYTES)
        .weigher(|(card, _): &CardKey, html: &Arc<str>| {
            let key = card.title.len() + card.summary.len() + card.slug.len() + 256;
            u32::try_from(html.len() + key).unwrap_or(u32::MAX)
        })
        .build()
});

/// The card's markup: rendered by `render` the first time, copied after.
pub fn card(course: CourseCard, first: bool, render: fn(CourseCard, bool) -> String) -> String {
    let key = (course, first);
    if let Some(html) = CARDS.get(&key) {
        return html.to_string();
    }
    let html = render(key.0.clone(), first);
    CARDS.insert(key, Arc::from(html.as_str()));
    html
}
