//! Search ranking, filters, pagination and the cache, through the domain
//! functions the pages call.

use crate::helpers::TestApp;
use lyceum::model::query::{Kind, Mode, Sort};
use lyceum::server::catalogue::data::Session;

#[tokio::test]
async fn lists_every_published_demo_course_by_next_date() {
    let app = TestApp::demo().await;
    let page = app.state.catalogue.search("").await.unwrap();
    assert!(page.total >= 40, "demo catalogue has {} courses", page.total);
    assert_eq!(page.items.len(), 12);
    assert_eq!(page.query.effective_sort(), Sort::Date);
    let dates: Vec<_> = page.items.iter().map(|c| c.next_session.as_ref().unwrap().starts_at.clone()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "soonest first");
}

#[tokio::test]
async fn search_ranks_title_matches_first_and_matches_prefixes() {
    let app = TestApp::demo().await;
    let page = app.state.catalogue.search("q=security").await.unwrap();
    assert!(page.total >= 5, "{} results", page.total);
    assert!(page.items[0].title.to_lowercase().contains("secur"), "best match: {}", page.items[0].title);
    // Courses about security (named so in the title or the category) come
    // before those that only mention it.
    let about: Vec<bool> =
        page.items.iter().map(|c| c.title.to_lowercase().contains("secur") || c.category == "Cybersecurity").collect();
    assert!(about[..5].iter().all(|t| *t), "{about:?}");
    assert!(about.iter().filter(|t| **t).count() >= 5, "{about:?}");

    let prefix = app.state.catalogue.search("q=secur").await.unwrap();
    assert!(prefix.total >= page.total, "a prefix finds at least as much");
    let stemmed = app.state.catalogue.search("q=securing").await.unwrap();
    assert!(stemmed.total > 0, "stemming finds security courses");
}

#[tokio::test]
async fn every_search_word_must_match() {
    let app = TestApp::demo().await;
    let cloud = app.state.catalogue.search("q=cloud").await.unwrap().total;
    let both = app.state.catalogue.search("q=cloud+security").await.unwrap();
    assert!(both.total > 0 && both.total < cloud, "cloud {cloud}, cloud security {}", both.total);
    let none = app.state.catalogue.search("q=zzzyqx").await.unwrap();
    assert_eq!((none.total, none.items.len()), (0, 0));
}

#[tokio::test]
async fn search_syntax_in_user_text_is_harmless() {
    let app = TestApp::demo().await;
    for q in [
        "%22security",
        "security%22",
        "*",
        "sec*",
        "NEAR(cloud+security)",
        "cloud+OR+-security",
        "-cloud",
        "((cloud",
        "cloud)",
        "title:cloud",
        "%27%3B+DROP+TABLE+courses%3B--",
        "%5E%24%7B%7D",
        "AND",
        "NOT+cloud",
        "c%2B%2B",
        "%E2%80%9Cquoted%E2%80%9D",
        "caf%C3%A9",
        "%F0%9F%98%80",
    ] {
        let result = app.state.catalogue.search(&format!("q={q}")).await;
        assert!(result.is_ok(), "q={q} failed: {:?}", result.err());
    }
    assert!(app.state.catalogue.search("").await.unwrap().total >= 40, "courses table intact");
}

#[tokio::test]
async fn filters_narrow_the_results() {
    let app = TestApp::demo().await;
    let all = app.state.catalogue.search("per_page=100").await.unwrap();

    let soft = app.state.catalogue.search("kind=soft-skills&per_page=100").await.unwrap();
    assert!(soft.total > 0 && soft.total < all.total);
    assert!(soft.items.iter().all(|c| c.kind == Kind::SoftSkills));

    let cloud = app.state.catalogue.search("category=cloud&per_page=100").await.unwrap();
    assert!(cloud.total > 0 && cloud.items.iter().all(|c| c.category_slug == "cloud"));

    let advanced = app.state.catalogue.search("level=advanced&per_page=100").await.unwrap();
    assert!(advanced.total > 0 && advanced.items.iter().all(|c| c.level.as_str() == "advanced"));

    let online = app.state.catalogue.search("mode=online&per_page=100").await.unwrap();
    assert!(online.total > 0);
    assert!(online.items.iter().all(|c| c.next_session.as_ref().is_some_and(|s| s.mode == Mode::Online)));

    let valletta = app.state.catalogue.search("location=valletta&per_page=100").await.unwrap();
    assert!(valletta.total > 0);
    assert!(
        valletta.items.iter().all(|c| {
            c.next_session.as_ref().and_then(|s| s.location.clone()).is_some_and(|l| l.contains("Valletta"))
        })
    );

    let combined = app.state.catalogue.search("kind=it&mode=in-person&level=beginner&per_page=100").await.unwrap();
    assert!(combined.total <= advanced.total.max(all.total));
    assert!(combined.items.iter().all(|c| c.kind == Kind::It && c.level.as_str() == "beginner"));
}

/// A card's next session is the course's soonest upcoming session that
/// passes the session filters and has a seat left, or the soonest of them
/// when all are full, whichever way the page was found (browsing, a ranked
/// search, each order).
#[tokio::test]
async fn a_cards_next_session_is_the_soonest_with_a_seat_that_passes_the_filters() {
    let app = TestApp::demo().await;
    let catalogue = &app.state.catalogue;
    let (mut cards, mut skipped_full) = (0, 0);
    type Keep = fn(&Session) -> bool;
    let any: Keep = |_| true;
    let online: Keep = |s| s.mode == Mode::Online;
    let in_person: Keep = |s| s.mode == Mode::InPerson;
    let sliema: Keep = |s| s.location.as_deref().is_some_and(|l| l.contains("Sliema"));
    for (query, keep) in [
        ("per_page=100", any),
        ("per_page=100&sort=title", any),
        ("q=security&per_page=100", any),
        ("q=cloud&sort=price&per_page=100", any),
        ("mode=online&per_page=100", online),
        ("q=data&mode=in-person&per_page=100", in_person),
        ("location=sliema&per_page=100", sliema),
    ] {
        let page = catalogue.search(query).await.unwrap();
        assert!(!page.items.is_empty(), "{query}");
        for card in &page.items {
            let course = catalogue.course(&card.slug).await.unwrap().unwrap();
            let passing = || course.sessions.iter().filter(|s| keep(s));
            let soonest = passing().find(|s| s.seats_left > 0).or_else(|| passing().next());
            assert_eq!(card.next_session.as_ref(), soonest, "{query}: {}", card.slug);
            cards += 1;
            skipped_full += usize::from(
                passing().next().is_some_and(|s| s.seats_left == 0) && soonest.is_some_and(|s| s.seats_left > 0),
            );
        }
    }
    assert!(cards > 100, "{cards} cards compared");
    assert!(skipped_full > 0, "some card passes over a full first date");
}

/// A card says "Full" only when every upcoming date of its course is full:
/// with its first date full and a later one open, it shows the later one.
#[tokio::test]
async fn a_card_says_full_only_when_every_date_is() {
    let app = TestApp::demo().await;
    let catalogue = &app.state.catalogue;
    let mut slug = None;
    for card in catalogue.search("sort=title&per_page=100").await.unwrap().items {
        if catalogue.course(&card.slug).await.unwrap().unwrap().sessions.len() >= 2 {
            slug = Some(card.slug);
            break;
        }
    }
    let slug = slug.expect("a demo course has two upcoming dates");
    let sessions = catalogue.course(&slug).await.unwrap().unwrap().sessions.clone();

    fill_only(&app, &slug, &[sessions[0].id]).await;
    let (next, text) = card_of(&app, &slug).await;
    assert_eq!(next.id, sessions[1].id, "the first date with a seat");
    assert_eq!(next.seats_left, next.capacity);
    assert!(!text.contains("Full"), "{text}");
    assert!(text.contains(&format!("{} seats left", next.capacity)), "{text}");

    let every: Vec<i64> = sessions.iter().map(|s| s.id).collect();
    fill_only(&app, &slug, &every).await;
    let (next, text) = card_of(&app, &slug).await;
    assert_eq!(next.id, sessions[0].id, "every date full: the first");
    assert!(text.contains("Full: waitlist only"), "{text}");
}

/// Empties every session of course `slug`, then fills those in `full`.
async fn fill_only(app: &TestApp, slug: &str, full: &[i64]) {
    lyceum::server::db::with_pool!(&app.state.db, |pool| {
        sqlx::query(
            "UPDATE course_sessions SET seats_taken = 0 WHERE course_id = (SELECT id FROM courses WHERE slug = $1)",
        )
        .bind(slug)
        .execute(pool)
        .await
        .unwrap();
        for id in full {
            sqlx::query("UPDATE course_sessions SET seats_taken = capacity WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
        }
    });
    app.state.catalogue.invalidate();
}

/// The session the card of course `slug` shows, and the card's text as the
/// catalogue page renders it.
async fn card_of(app: &TestApp, slug: &str) -> (Session, String) {
    use scraper::{Html, Selector};
    let page = app.state.catalogue.search("sort=title&per_page=100").await.unwrap();
    let next = page.items.into_iter().find(|c| c.slug == slug).unwrap().next_session.unwrap();
    let res = app.get("/courses?sort=title&per_page=100").await;
    let html = Html::parse_document(&res.body);
    let link = Selector::parse(&format!(r#"h3 a[href="/courses/{slug}"]"#)).unwrap();
    let card = html
        .select(&Selector::parse("li.card").unwrap())
        .find(|card| card.select(&link).next().is_some())
        .expect("the course's card");
    (next, card.text().collect())
}

#[tokio::test]
async fn date_window_keeps_only_sessions_inside_it() {
    let app = TestApp::demo().await;
    let tz = app.state.config.timezone;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let from = today + chrono::Days::new(14);
    let to = today + chrono::Days::new(20);
    let page = app.state.catalogue.search(&format!("from={from}&to={to}&per_page=100")).await.unwrap();
    assert!(page.total > 0, "some demo sessions start in that week");
    for course in &page.items {
        let starts = course.next_session.as_ref().unwrap().starts_at.with_timezone(&tz).date_naive();
        assert!(starts >= from && starts <= to, "{starts}");
    }
    let past = app.state.catalogue.search("from=2001-01-01&to=2001-12-31").await.unwrap();
    assert_eq!(past.total, 0);
}

#[tokio::test]
async fn sorts_by_title_and_price() {
    let app = TestApp::demo().await;
    let by_title = app.state.catalogue.search("sort=title&per_page=100").await.unwrap();
    let titles: Vec<_> = by_title.items.iter().map(|c| c.title.clone()).collect();
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);

    let cheap = app.state.catalogue.search("sort=price&per_page=100").await.unwrap();
    let dear = app.state.catalogue.search("sort=price-desc&per_page=100").await.unwrap();
    let cents =
        |p: &lyceum::server::catalogue::data::SearchResults| p.items.iter().map(|c| c.price.cents).collect::<Vec<_>>();
    assert!(cents(&cheap).windows(2).all(|w| w[0] <= w[1]));
    assert!(cents(&dear).windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn pages_do_not_overlap_and_out_of_range_is_empty() {
    let app = TestApp::demo().await;
    let first = app.state.catalogue.search("sort=title&per_page=5").await.unwrap();
    let second = app.state.catalogue.search("sort=title&per_page=5&page=2").await.unwrap();
    assert_eq!((first.items.len(), second.items.len()), (5, 5));
    assert!(first.items.iter().all(|a| second.items.iter().all(|b| a.slug != b.slug)));
    assert!(first.items.last().unwrap().title <= second.items[0].title);
    let beyond = app.state.catalogue.search("page=500").await.unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, first.total, "the count is still known");
}

#[tokio::test]
async fn unknown_category_or_location_is_dropped_with_a_notice() {
    let app = TestApp::demo().await;
    let page = app.state.catalogue.search("category=astrology&location=gozo").await.unwrap();
    assert_eq!(page.query.category, None);
    assert_eq!(page.query.location, None);
    let fields: Vec<_> = page.notices.iter().map(|n| n.field.as_str()).collect();
    assert_eq!(fields, ["category", "location"]);
    assert!(page.total >= 40);
}

#[tokio::test]
async fn answers_are_cached_until_invalidated() {
    let app = TestApp::demo().await;
    let before = app.state.catalogue.search("q=quantum").await.unwrap();
    assert_eq!(before.total, 0);
    lyceum::server::db::with_pool!(&app.state.db, |pool| {
        sqlx::query(
            "INSERT INTO courses (slug, category_id, title, summary, description, level, duration_hours, \
             price_cents, published, created_at, updated_at) \
             SELECT 'quantum-computing', id, 'Quantum Computing Primer', 'Qubits without tears.', 'Gates and circuits.', \
             'beginner', 7, 30000, TRUE, $1, $1 FROM categories WHERE slug = 'programming'",
        )
        .bind(chrono::Utc::now())
        .execute(pool)
        .await
        .unwrap();
    });
    let cached = app.state.catalogue.search("q=quantum").await.unwrap();
    assert_eq!(cached.total, 0, "served from the cache");
    app.state.catalogue.invalidate();
    let fresh = app.state.catalogue.search("q=quantum").await.unwrap();
    assert_eq!(fresh.total, 1);
    assert_eq!(fresh.items[0].slug, "quantum-computing");
    assert!(app.state.catalogue.course("quantum-computing").await.unwrap().is_some());
}

#[tokio::test]
async fn unpublished_courses_are_invisible() {
    let app = TestApp::demo().await;
    let slug = app.state.catalogue.search("sort=title").await.unwrap().items[0].slug.clone();
    lyceum::server::db::with_pool!(&app.state.db, |pool| {
        sqlx::query("UPDATE courses SET published = FALSE WHERE slug = $1").bind(&slug).execute(pool).await.unwrap();
    });
    app.state.catalogue.invalidate();
    assert!(app.state.catalogue.course(&slug).await.unwrap().is_none());
    let page = app.state.catalogue.search("sort=title&per_page=100").await.unwrap();
    assert!(page.items.iter().all(|c| c.slug != slug));
}

#[tokio::test]
async fn renaming_a_category_reindexes_its_courses() {
    let app = TestApp::demo().await;
    assert_eq!(app.state.catalogue.search("q=zeppelin").await.unwrap().total, 0);
    lyceum::server::db::with_pool!(&app.state.db, |pool| {
        sqlx::query("UPDATE categories SET name = 'Zeppelin studies' WHERE slug = 'negotiation'")
            .execute(pool)
            .await
            .unwrap();
    });
    app.state.catalogue.invalidate();
    let page = app.state.catalogue.search("q=zeppelin&per_page=100").await.unwrap();
    assert!(page.total >= 3);
    assert!(page.items.iter().all(|c| c.category_slug == "negotiation"));
}

#[tokio::test]
async fn seeding_the_demo_twice_adds_nothing() {
    let app = TestApp::demo().await;
    let tz = app.state.config.timezone;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let (courses, sessions) = lyceum::server::seed::demo::load(&app.state.db, tz, today).await.unwrap();
    assert_eq!((courses, sessions), (0, 0));
}

#[tokio::test]
async fn bench_seed_generates_the_requested_size() {
    let app = TestApp::empty().await;
    let (courses, sessions) = lyceum::server::seed::bench::load(&app.state.db, 1_200).await.unwrap();
    assert_eq!(courses, 1_200);
    assert!((2_400..=4_800).contains(&sessions), "{sessions} sessions");
    let page = app.state.catalogue.search("q=security").await.unwrap();
    assert!(page.total > 0 && page.total < 1_200);
    assert_eq!(app.state.catalogue.search("").await.unwrap().total, 1_200);
}

#[tokio::test]
async fn search_finds_published_courses_only_and_follows_publishing() {
    let app = TestApp::demo().await;
    let before = app.state.catalogue.search("q=security&per_page=100").await.unwrap();
    let slug = before.items[0].slug.clone();
    let set_published = |published: bool| {
        let db = app.state.db.clone();
        let slug = slug.clone();
        async move {
            lyceum::server::db::with_pool!(&db, |pool| {
                sqlx::query("UPDATE courses SET published = $1 WHERE slug = $2")
                    .bind(published)
                    .bind(&slug)
                    .execute(pool)
                    .await
                    .unwrap();
            });
        }
    };
    set_published(false).await;
    app.state.catalogue.invalidate();
    let hidden = app.state.catalogue.search("q=security&per_page=100").await.unwrap();
    assert_eq!(hidden.total, before.total - 1);
    assert!(hidden.items.iter().all(|c| c.slug != slug));
    let filtered = app.state.catalogue.search("q=security&kind=it&per_page=100").await.unwrap();
    assert!(filtered.items.iter().all(|c| c.slug != slug));

    set_published(true).await;
    app.state.catalogue.invalidate();
    let back = app.state.catalogue.search("q=security&per_page=100").await.unwrap();
    assert_eq!(back.total, before.total);
    assert_eq!(
        back.items.iter().map(|c| &c.slug).collect::<Vec<_>>(),
        before.items.iter().map(|c| &c.slug).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn search_pages_by_relevance_do_not_overlap() {
    let app = TestApp::demo().await;
    let first = app.state.catalogue.search("q=security&per_page=4").await.unwrap();
    let second = app.state.catalogue.search("q=security&per_page=4&page=2").await.unwrap();
    assert_eq!(first.total, second.total);
    assert_eq!(first.items.len(), 4);
    assert!(!second.items.is_empty());
    assert!(first.items.iter().all(|a| second.items.iter().all(|b| a.slug != b.slug)));
    let all = app.state.catalogue.search("q=security&per_page=100").await.unwrap();
    let joined: Vec<_> = first.items.iter().chain(&second.items).map(|c| c.slug.clone()).collect();
    let expected: Vec<_> = all.items.iter().take(joined.len()).map(|c| c.slug.clone()).collect();
    assert_eq!(joined, expected, "pages follow the one relevance order");
}

#[tokio::test]
async fn text_search_ranks_its_newest_matches_within_a_bounded_window() {
    let app = TestApp::empty().await;
    lyceum::server::seed::bench::load(&app.state.db, 1_200).await.unwrap();
    // The generated number at the end of a bench slug grows with its id.
    let number = |slug: &str| slug.rsplit('-').next().unwrap().parse::<u32>().unwrap();

    // "course" is in every description: 1,200 matches, 500 considered.
    let mut seen = std::collections::HashSet::new();
    for page in 1..=5 {
        let found = app.state.catalogue.search(&format!("q=course&per_page=100&page={page}")).await.unwrap();
        assert_eq!((found.total, found.more), (500, true));
        assert_eq!(found.items.len(), 100);
        for card in &found.items {
            assert!(number(&card.slug) >= 700, "{} is older than the window", card.slug);
            assert!(seen.insert(card.slug.clone()), "{} on two pages", card.slug);
        }
    }
    let past = app.state.catalogue.search("q=course&per_page=100&page=6").await.unwrap();
    assert!(past.items.is_empty());

    // Other orders apply within the same window.
    let by_title = app.state.catalogue.search("q=course&sort=title&per_page=100").await.unwrap();
    let titles: Vec<_> = by_title.items.iter().map(|c| c.title.clone()).collect();
    assert!(titles.is_sorted(), "{titles:?}");
    assert!(by_title.items.iter().all(|c| number(&c.slug) >= 700));

    // A filter narrows the matches before the window is taken.
    let beginner = app.state.catalogue.search("q=course&level=beginner&per_page=100").await.unwrap();
    assert_eq!((beginner.total, beginner.more), (400, false));
    let advanced = app.state.catalogue.search("q=course&level=advanced&per_page=100&page=4").await.unwrap();
    assert_eq!((advanced.total, advanced.more, advanced.items.len()), (400, false, 100));

    let res = app.get("/courses?q=course").await;
    assert!(res.body.contains("More than 500 courses · page 1 of 42"), "count text");
    assert!(res.body.contains("Showing the 500 newest matches, best first."));
}

#[tokio::test]
async fn a_change_written_through_the_catalogue_is_seen_at_once() {
    use lyceum::server::sql::{Arg, Sql};
    let app = TestApp::demo().await;
    let catalogue = &app.state.catalogue;
    let slug = catalogue.search("sort=title&per_page=1").await.unwrap().items[0].slug.clone();
    let before = catalogue.course(&slug).await.unwrap().unwrap();
    let page = app.get(&format!("/courses/{slug}")).await;
    assert!(page.body.contains(&before.title.replace('&', "&amp;")));
    app.get(&format!("/courses/{slug}")).await;
    assert_eq!(app.get(&format!("/courses/{slug}")).await.header("x-cache"), Some("hit"), "the page is cached");

    let renamed = "Renamed while cached";
    let mut write = catalogue.begin_write().await.unwrap();
    let mut sql = Sql::new("UPDATE courses SET title = ");
    sql.bind(Arg::Text(renamed.into())).push(" WHERE slug = ").bind(Arg::Text(slug.clone()));
    let changed = sql.execute_in(write.tx()).await.unwrap();
    assert_eq!(catalogue.course(&slug).await.unwrap().unwrap().title, before.title, "not before it commits");
    write.commit().await.unwrap();
    assert_eq!(changed, 1);
    assert_eq!(catalogue.course(&slug).await.unwrap().unwrap().title, renamed, "the domain's cache forgot");
    let page = app.get(&format!("/courses/{slug}")).await;
    assert_ne!(page.header("x-cache"), Some("hit"), "and so did the page cache");
    assert!(page.body.contains(renamed));
}
