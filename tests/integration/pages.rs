//! Server-rendered pages through the router: what a visitor (or a crawler)
//! receives, with JavaScript or without.

use crate::helpers::{TestApp, texts_after};

const CARD_TITLE: &str = r#"<h3 class="card-title"><a"#;

#[tokio::test]
async fn home_shows_search_categories_and_upcoming_sessions() {
    let app = TestApp::demo().await;
    let res = app.get("/").await;
    assert_eq!(res.status, 200);
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    assert!(res.body.contains(r#"<form class="search-hero" method="get" action="/courses""#));
    assert!(res.body.contains("Cloud computing"), "categories listed");
    assert!(res.body.contains("/courses?category=leadership"));
    assert!(res.body.contains("upcoming-item"), "sessions listed");
    assert!(res.body.contains("<title>Lyceum · IT and soft-skills courses in Malta and online</title>"));
}

#[tokio::test]
async fn catalogue_page_renders_results_count_and_filters() {
    let app = TestApp::demo().await;
    let res = app.get("/courses?q=security").await;
    assert_eq!(res.status, 200);
    let titles = texts_after(&res.body, CARD_TITLE);
    assert!(!titles.is_empty());
    assert!(titles[0].to_lowercase().contains("secur"), "{titles:?}");
    assert!(res.body.contains("Courses matching “security”"));
    assert!(res.body.contains(r#"name="q""#) && res.body.contains(r#"value="security""#));
    assert!(
        res.body.contains(r#"<link href="https://academy.test/courses?q=security" rel="canonical">"#),
        "canonical link"
    );
}

#[tokio::test]
async fn catalogue_paginates_with_links_that_keep_the_query() {
    let app = TestApp::demo().await;
    let res = app.get("/courses?kind=it&per_page=5").await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains(r#"href="/courses?kind=it&amp;page=2&amp;per_page=5""#), "next page link");
    let page2 = app.get("/courses?kind=it&page=2&per_page=5").await;
    assert!(page2.body.contains(r#"aria-current="page">2<"#));
    assert_ne!(texts_after(&res.body, CARD_TITLE), texts_after(&page2.body, CARD_TITLE));
}

#[tokio::test]
async fn bad_parameters_never_fail_the_page() {
    let app = TestApp::demo().await;
    let long = "x".repeat(10_000);
    for query in [
        "page=-1",
        "per_page=100000",
        "mode=x",
        "from=yesterday",
        "to=2026-02-30",
        "page=abc&per_page=-5",
        "sort=%00",
        "q=%00%01%02%1b[31m",
        "q=%22%22%22*NEAR(OR)",
        "q=%FF%FE",
        "category=%3Cscript%3E",
        "level=EXPERT&kind=cooking",
        "page=99999999999999999999",
    ] {
        let mut res = app.get(&format!("/courses?{query}")).await;
        // Cleaned up silently (control characters, search syntax): sent on
        // to the clean address, once.
        if res.status == 301 {
            let clean = res.header("location").unwrap().to_string();
            assert!(clean.starts_with("/courses"), "{clean}");
            res = app.get(&clean).await;
        }
        assert_eq!(res.status, 200, "/courses?{query}");
        assert!(res.body.contains("result-count"), "/courses?{query}");
    }
    let res = app.get(&format!("/courses?q={long}")).await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("shortened to 200 characters"));
    let res = app.get("/courses?page=-1&mode=x&from=yesterday").await;
    assert!(res.body.contains("Pages are numbered from 1"));
    assert!(res.body.contains("Choose online or in person"));
    assert!(res.body.contains("Dates are written like 2026-12-01"));
    assert!(!res.body.contains("<script>alert"), "input is escaped");
}

#[tokio::test]
async fn empty_results_offer_a_way_out() {
    let app = TestApp::demo().await;
    let res = app.get("/courses?q=zzzyqx&kind=it").await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("No courses match"));
    assert!(res.body.contains(r#"href="/courses?q=zzzyqx""#), "offers the search without filters");
}

#[tokio::test]
async fn course_page_has_everything_a_visitor_and_a_crawler_need() {
    let app = TestApp::demo().await;
    let slug = app.state.catalogue.search("q=security").await.unwrap().items[0].slug.clone();
    let res = app.get(&format!("/courses/{slug}")).await;
    assert_eq!(res.status, 200);
    let course = app.state.catalogue.course(&slug).await.unwrap().unwrap();
    // As the page presents it.
    let presenter = lyceum::server::present::Presenter::of(&app.state.config);
    let course = presenter.course_page(&course);
    assert!(res.body.contains(&format!("<h1>{}", course.title.replace('&', "&amp;"))));
    assert!(res.body.contains(&format!(r#"<link href="https://academy.test/courses/{slug}" rel="canonical">"#)));
    assert!(res.body.contains(r#"<meta name="description" content=""#));
    assert!(res.body.contains(r#"<script type="application/ld+json">"#));
    assert!(res.body.contains(r#""@type":"Course""#) && res.body.contains(r#""@type":"CourseInstance""#));
    assert!(res.body.contains("seats left") || res.body.contains("Full: waitlist only"));
    // Times are shown in the academy's zone, with its offset in the machine-readable form.
    let first = &course.sessions[0];
    assert!(first.starts_at.ends_with("+01:00") || first.starts_at.ends_with("+02:00"), "{}", first.starts_at);
    assert!(res.body.contains(&first.when));
    for outcome in &course.outcomes {
        assert!(res.body.contains(&outcome.replace('&', "&amp;").replace('\'', "&#39;")) || res.body.contains(outcome));
    }
}

#[tokio::test]
async fn unknown_course_and_unknown_path_are_404_pages() {
    let app = TestApp::demo().await;
    for path in ["/courses/no-such-course", "/no/such/page", "/courses/%00", "/courses/a/b/c"] {
        let res = app.get(path).await;
        assert_eq!(res.status, 404, "{path}");
        assert!(res.body.contains("We could not find that page"), "{path}");
        assert!(res.body.contains(r#"<meta name="robots" content="noindex">"#), "{path}");
    }
}

/// A page links its stylesheet, preloads nothing of the browser bundle, and
/// carries one module script, allowed by the page's policy, that loads the
/// bundle on the visitor's first intent and hydrates.
#[tokio::test]
async fn pages_load_their_bundle_on_intent_only() {
    use scraper::{Html, Selector};
    let app = TestApp::demo().await;
    for path in ["/", "/courses", "/login"] {
        let res = app.get(path).await;
        let html = Html::parse_document(&res.body);
        let all = |css: &str| html.select(&Selector::parse(css).unwrap()).collect::<Vec<_>>();
        let sheets = all(r#"link[rel="stylesheet"]"#);
        assert_eq!(sheets.len(), 1, "{path}");
        assert!(sheets[0].attr("href").unwrap().starts_with("/pkg/lyceum"), "{path}");
        assert!(all(r#"link[rel="modulepreload"], link[rel="preload"]"#).is_empty(), "{path}: nothing preloaded");
        let scripts = all(r#"script[type="module"]"#);
        assert_eq!(scripts.len(), 1, "{path}");
        let script = scripts[0].text().collect::<String>();
        for needle in [r#""/pkg/lyceum"#, ".wasm\"", "bundle.hydrate()", "pointerover", "touchstart", "keydown"] {
            assert!(script.contains(needle), "{path}: {needle} in {script}");
        }
        // A page shared caches may keep allows it by its hash (see
        // `shared_pages`); one no cache keeps (the sign-in form) by nonce.
        let policy = res.header("content-security-policy").unwrap();
        let allowed = match scripts[0].attr("nonce") {
            Some(nonce) => format!("'nonce-{nonce}'"),
            None => {
                use base64::Engine;
                use sha2::Digest;
                let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()));
                format!("'sha256-{hash}'")
            }
        };
        assert!(policy.contains(&allowed), "{path}: {policy}");
    }
}

/// Listing the app's routes runs the app with resource loading suppressed
/// for the whole process; a page that started rendering in that window used
/// to wait forever. Routers are now built from one listing made once. A
/// stall blocks its threads, so the scenario runs on a thread of its own
/// and the test gives up on it after a minute.
#[test]
fn pages_render_while_other_routers_are_built() {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };
    let (report, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            let app = TestApp::demo().await;
            let state = app.state.clone();
            let done = Arc::new(AtomicBool::new(false));
            let builder = tokio::task::spawn_blocking({
                let done = done.clone();
                move || {
                    while !done.load(Ordering::Relaxed) {
                        drop(lyceum::server::http::router(state.clone()));
                    }
                }
            });
            for n in 0..100 {
                let query = lyceum::model::query::CatalogueQuery {
                    per_page: 1 + n % 20,
                    page: 1 + n / 20,
                    ..Default::default()
                };
                let uri = query.href();
                let res = app.get(&uri).await;
                assert_eq!(res.status, 200, "{uri}");
            }
            done.store(true, Ordering::Relaxed);
            builder.await.expect("routers build");
        });
        let _ = report.send(());
    });
    match outcome.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("a page render stalled for a minute"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the scenario failed (see its panic above)"),
    }
}

#[tokio::test]
async fn every_page_has_one_address() {
    let app = TestApp::demo().await;
    for (asked, canonical) in [
        ("/courses/", "/courses"),
        ("/courses?q=cloud&sort=relevance", "/courses?q=cloud"),
        ("/login/", "/login"),
        ("/courses?q=&category=cloud&kind=&mode=&location=&level=&from=&to=&sort=date", "/courses?category=cloud"),
        ("/courses?q=&category=&kind=&mode=&location=&level=&from=&to=", "/courses"),
        ("/courses?&=&q=cloud", "/courses?q=cloud"),
    ] {
        let res = app.get(asked).await;
        assert_eq!((res.status, res.header("location")), (301, Some(canonical)), "{asked}");
        assert_eq!(app.get(canonical).await.status, 200, "{canonical}");
    }
    // Never towards another site.
    assert_ne!(app.get("//evil.example/").await.status, 301);
}

#[tokio::test]
async fn the_results_say_what_they_are_and_each_filter_can_be_removed() {
    let app = TestApp::demo().await;
    let res = app.get("/courses?category=cybersecurity&mode=online").await;
    assert_eq!(res.status, 200);
    // Without the hydration markers.
    let body = res.body.replace("<!>", "");
    assert!(
        body.contains(r#"<h1 id="results-heading" tabindex="-1">Online cybersecurity courses</h1>"#),
        "the heading"
    );
    assert!(body.contains("<title>Online cybersecurity courses · Lyceum</title>"));
    assert!(body.contains(r#"<a href="/courses?category=cybersecurity" aria-label="Remove Online" class="chip">"#));
    assert!(body.contains(r#"<a href="/courses?mode=online" aria-label="Remove Cybersecurity" class="chip">"#));
    // The form does not bring back what was typed before (browsers restore
    // a form's fields on Back unless told not to).
    assert!(res.body.contains(r#"autocomplete="off""#));
}

#[tokio::test]
async fn a_page_past_the_last_says_so_and_links_to_the_last() {
    let app = TestApp::demo().await;
    let res = app.get("/courses?page=99").await;
    assert_eq!(res.status, 200);
    let body = res.body.replace("<!>", "");
    assert!(body.contains("There is no page 99"), "{body}");
    let total = app.state.catalogue.search("").await.unwrap().total;
    let last = total.div_ceil(12);
    assert!(last > 1 && last < 99);
    let link = format!(r#"<a href="/courses?page={last}">Go to the last page, page {last}</a>"#);
    assert!(body.contains(&link), "{link}");
    assert_eq!(
        app.get(&format!("/courses?page={last}")).await.body.matches(CARD_TITLE).count() as u64,
        total - (last - 1) * 12
    );
}

#[tokio::test]
async fn prices_say_vat_and_sessions_say_where_and_how_the_days_run() {
    let app = TestApp::demo().await;
    let home = app.get("/").await.body.replace("<!>", "");
    let soon = &home[home.find("upcoming-heading").expect("Starting soon")..];
    assert!(
        soon.contains(r#"<span class="upcoming-price">€"#) && soon.contains(" incl. VAT</span>"),
        "price on Starting soon"
    );
    assert!(soon.contains(r#"class="seats"#), "seats on Starting soon");
    let catalogue = app.get("/courses").await.body.replace("<!>", "");
    assert!(catalogue.contains(r#"<li class="price">€"#) && catalogue.contains(" incl. VAT</li>"));
    // A course taught in person somewhere: its campus with the street address.
    let in_person = app.state.catalogue.search("mode=in-person&location=valletta").await.unwrap().items[0].slug.clone();
    let page = app.get(&format!("/courses/{in_person}")).await.body.replace("<!>", "");
    assert!(
        page.contains(r#"Valletta campus<span class="address">42 Merchants Street, Valletta VLT 1171</span>"#),
        "{page}"
    );
    assert!(page.contains(r#""address":"42 Merchants Street, Valletta VLT 1171""#), "in the JSON-LD too");
    let timetable = texts_after(&page, r#"<p class="timetable""#);
    assert_eq!(timetable.len(), 1);
    assert!(timetable[0].contains("each day (Malta time)") || timetable[0].starts_with("One day, "), "{timetable:?}");
}

#[tokio::test]
async fn the_academy_says_where_it_is_and_has_its_own_pages() {
    let app = TestApp::demo().await;
    for path in ["/", "/courses", "/login", "/no-such-page"] {
        let body = app.get(path).await.body.replace("<!>", "");
        let footer =
            &body[body.find(r#"<footer class="site-footer">"#).unwrap_or_else(|| panic!("{path}: a footer"))..];
        assert!(footer.contains("42 Merchants Street, Valletta VLT 1171"), "{path}: campus with its address");
        assert!(footer.contains(r#"<a href="tel:+35620104400">+356 2010 4400</a>"#), "{path}: phone");
        assert!(footer.contains(r#"<a href="mailto:hello@lyceum.example">"#), "{path}: e-mail");
        for page in ["/contact", "/terms", "/privacy"] {
            assert!(footer.contains(&format!(r#"<a href="{page}">"#)), "{path}: link to {page}");
        }
    }
    for (path, heading) in [("/contact", "Contact us"), ("/terms", "Terms of booking"), ("/privacy", "Privacy notice")]
    {
        let res = app.get(path).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(res.body.contains(&format!("<h1>{heading}")), "{path}");
    }
    let sitemap = app.get("/sitemap.xml").await.body;
    assert!(sitemap.contains("<loc>https://academy.test/privacy</loc>"), "{sitemap}");
    // A picture for every subject, and one for a subject without its own.
    let art = app.get("/subjects/cloud.svg").await;
    assert_eq!((art.status, art.header("content-type")), (200, Some("image/svg+xml")));
    assert_eq!(art.header("cache-control"), Some("public, max-age=86400"));
    let home = app.get("/").await.body;
    for category in app.state.catalogue.facets().await.unwrap().categories.iter() {
        let src = lyceum::model::catalogue::subject_art(&category.slug);
        assert!(home.contains(&format!(r#"src="{src}""#)), "{}", category.slug);
        assert_eq!(app.get(&src).await.status, 200, "{src}");
    }
    assert_eq!(lyceum::model::catalogue::subject_art("astrology"), "/subjects/subject.svg");
    assert_eq!(app.get("/subjects/subject.svg").await.status, 200);
}
