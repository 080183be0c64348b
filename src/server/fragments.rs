//! Pieces of pages rendered once and copied into every page that shows
//! them. A course card is the same on every results page it appears on,
//! and a page of results shows dozens; the filter form's lists of choices
//! come in a handful of variants (which one is selected) on every
//! catalogue page. Rendering each once per content takes most of the
//! rendering off a search no cache has seen.
//!
//! A fragment is keyed by everything it is rendered from, so a cached one
//! is never stale: a change of title, price or seats is another key, and
//! the old entry ages out within the memory bound.

use crate::model::catalogue::CourseCard;
use crate::model::form::ChoiceList;
use moka::sync::Cache;
use std::hash::Hash;
use std::sync::{Arc, LazyLock};

/// Rendered markup by what it was rendered from, weighed by its length
/// and `key_bytes` of its key.
struct Fragments<K>(Cache<K, Arc<str>>);

impl<K: Hash + Eq + Send + Sync + 'static> Fragments<K> {
    fn new(max_bytes: u64, key_bytes: fn(&K) -> usize) -> Self {
        Self(
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(move |key: &K, html: &Arc<str>| {
                    u32::try_from(html.len() + key_bytes(key) + 64).unwrap_or(u32::MAX)
                })
                .build(),
        )
    }

    /// The markup of `key`: rendered by `render` the first time, copied after.
    fn get(&self, key: K, render: impl FnOnce(&K) -> String) -> String {
        if let Some(html) = self.0.get(&key) {
            return html.to_string();
        }
        let html = render(&key);
        self.0.insert(key, Arc::from(html.as_str()));
        html
    }
}

type CardKey = (CourseCard, bool);

/// About what the rendered cards may hold (a card is about 1.3 KiB).
static CARDS: LazyLock<Fragments<CardKey>> = LazyLock::new(|| {
    Fragments::new(4 * 1024 * 1024, |(card, _)| card.title.len() + card.summary.len() + card.slug.len() + 192)
});

/// The card's markup: rendered by `render` the first time, copied after.
pub fn card(course: CourseCard, first: bool, render: fn(CourseCard, bool) -> String) -> String {
    CARDS.get((course, first), |(course, first)| render(course.clone(), *first))
}

/// The filter form's lists: a few dozen variants, a few hundred bytes each.
static CHOICES: LazyLock<Fragments<ChoiceList>> = LazyLock::new(|| {
    Fragments::new(1024 * 1024, |list| {
        list.choices.iter().map(|(value, label, _)| value.len() + label.len() + 48).sum()
    })
});

/// The markup of a list of choices: rendered by `render` the first time,
/// copied after.
pub fn choices(list: ChoiceList, render: fn(&ChoiceList) -> String) -> String {
    CHOICES.get(list, render)
}
