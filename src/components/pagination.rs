//! Page links for a list of results.

use crate::model::query::CatalogueQuery;
use leptos::prelude::*;

/// Numbers to show around `current`: first, last, and two either side,
/// with `None` for a gap.
pub fn page_window(current: u32, pages: u32) -> Vec<Option<u32>> {
    let mut out = Vec::new();
    let mut last = 0;
    for page in 1..=pages {
        let near = page.abs_diff(current) <= 2;
        if page == 1 || page == pages || near {
            if page > last + 1 {
                out.push(None);
            }
            out.push(Some(page));
            last = page;
        }
    }
    out
}

/// The catalogue's page links.
#[component]
pub fn Pagination(query: CatalogueQuery, pages: u32) -> impl IntoView {
    let current = query.page;
    view! { <PageLinks current pages link=move |page| query.with_page(page).href()/> }
}

/// Links to the pages of any list: `link(n)` is page `n`'s address.
#[component]
pub fn PageLinks<L>(current: u32, pages: u32, link: L) -> impl IntoView
where
    L: Fn(u32) -> String + Clone + Send + Sync + 'static,
{
    if pages <= 1 {
        return ().into_any();
    }
    let prev = (current > 1).then(|| view! { <li><a rel="prev" href=link(current - 1)>"Previous"</a></li> });
    let next = (current < pages).then(|| view! { <li><a rel="next" href=link(current + 1)>"Next"</a></li> });
    let numbers = page_window(current, pages)
        .into_iter()
        .map(|entry| match entry {
            Some(page) if page == current => {
                view! { <li><a href=link(page) aria-current="page">{page}</a></li> }.into_any()
            }
            Some(page) => view! { <li><a href=link(page)>{page}</a></li> }.into_any(),
            None => view! { <li class="gap" aria-hidden="true">"…"</li> }.into_any(),
        })
        .collect_view();
    view! {
        <nav class="pagination" aria-label="Pages of results">
            <ul>{prev}{numbers}{next}</ul>
        </nav>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::page_window;

    #[test]
    fn window_keeps_ends_and_neighbours() {
        assert_eq!(page_window(1, 1), [Some(1)]);
        assert_eq!(page_window(5, 10), [Some(1), None, Some(3), Some(4), Some(5), Some(6), Some(7), None, Some(10)]);
        assert_eq!(page_window(2, 4), [Some(1), Some(2), Some(3), Some(4)]);
    }
}
