//! The academy's own data in the back office, through the server
//! functions its pages post to: categories, campuses and instructors
//! created, edited over a checked version and deleted only when nothing
//! points at them; the settings (contact details, public holidays) that
//! the contact page and the schedule read; roles checked on the server;
//! an audit entry for every write; and the public pages following at once.

use crate::helpers::TestApp;
use crate::visitor::{Visitor, count};
use lyceum::model::account::Role;
use scraper::{Html, Selector};

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in visitor of `role`, from an address of their own.
async fn person<'a>(app: &'a TestApp, role: Role, n: u8) -> Visitor<'a> {
    let email = format!("{}{n}@academy.test", role.as_str());
    app.state.accounts.create_confirmed(&email, &format!("{} {n}", role.label()), PASSWORD, role).await.unwrap();
    let mut visitor = Visitor::from_ip(app, format!("203.0.113.{}", 150 + n).parse().unwrap());
    let res = visitor.call("account/login", &[("email", &email), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "login: {} {}", res.status, res.body);
    visitor
}

async fn id_of(app: &TestApp, table: &str, slug: &str) -> i64 {
    count(app, &format!("SELECT id FROM {table} WHERE slug = '{slug}'")).await
}

async fn audit_count(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM audit_log WHERE entity <> ''").await
}

async fn events(app: &TestApp, entity: &str, id: i64) -> Vec<String> {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT event FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id")
            .bind(entity)
            .bind(id)
            .fetch_all(pool)
            .await
            .unwrap()
    })
}

fn category<'a>(name: &'a str, keywords: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("slug", ""),
        ("name", name),
        ("kind", "it"),
        ("description", "Courses about *quantum* things."),
        ("position", "7"),
        ("keywords", keywords),
    ]
}

fn campus(name: &str) -> Vec<(&str, &str)> {
    vec![
        ("slug", ""),
        ("name", name),
        ("address", "1 Republic Street, Victoria"),
        ("city", "Victoria"),
        ("timezone", "Europe/Malta"),
    ]
}

fn instructor<'a>(name: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("slug", ""),
        ("name", name),
        ("title", "Cloud architect"),
        ("bio", "Twenty years of clouds."),
        ("email", email),
    ]
}

/// `fields` with `name` set to `value`.
fn with<'a>(mut fields: Vec<(&'a str, &'a str)>, name: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    fields.retain(|(field, _)| *field != name);
    fields.push((name, value));
    fields
}

#[tokio::test]
async fn staff_create_edit_and_delete_each_kind_with_an_audit_entry_for_every_write() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    app.state.accounts.create_confirmed("teacher@academy.test", "Teacher", PASSWORD, Role::Instructor).await.unwrap();

    let res = staff.call("admin/categories/save", &category("Quantum computing", "Qubits, QC")).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res = staff.call("admin/campuses/save", &campus("Gozo campus")).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res = staff.call("admin/instructors/save", &instructor("Grace Hopper", "Teacher@Academy.test")).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let (cat, place, person_id) = (
        id_of(&app, "categories", "quantum-computing").await,
        id_of(&app, "locations", "gozo-campus").await,
        id_of(&app, "instructors", "grace-hopper").await,
    );
    let keywords: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT keywords FROM categories WHERE id = $1").bind(cat).fetch_one(pool).await.unwrap()
    });
    assert_eq!(keywords, "qubits qc");
    let linked = count(&app, &format!("SELECT COUNT(*) FROM instructors i JOIN users u ON u.id = i.user_id WHERE i.id = {person_id} AND u.email = 'teacher@academy.test'")).await;
    assert_eq!(linked, 1, "the instructor is linked to the account");

    // Edits over version 1.
    let (cat_id, place_id, person_text) = (cat.to_string(), place.to_string(), person_id.to_string());
    let mut edit = with(category("Quantum computing", "qubits"), "position", "2");
    edit.extend([("id", cat_id.as_str()), ("version", "1")]);
    assert!(staff.call("admin/categories/save", &edit).await.status < 400);
    let mut edit = with(campus("Gozo campus"), "city", "Rabat");
    edit.extend([("id", place_id.as_str()), ("version", "1")]);
    assert!(staff.call("admin/campuses/save", &edit).await.status < 400);
    let mut edit = instructor("Grace Hopper", "");
    edit.extend([("id", person_text.as_str()), ("version", "1")]);
    assert!(staff.call("admin/instructors/save", &edit).await.status < 400);
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM instructors WHERE id = {person_id} AND user_id IS NULL")).await,
        1
    );
    assert_eq!(count(&app, &format!("SELECT version FROM locations WHERE id = {place}")).await, 2);

    // The trail: the account's address is personal, so only "changed".
    let changes: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT changes FROM audit_log WHERE event = 'instructor.updated' AND entity_id = $1")
            .bind(person_id)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert!(!changes.contains("teacher@academy.test"), "{changes}");
    assert!(changes.contains("\"email\""), "{changes}");
    let changes: serde_json::Value = serde_json::from_str(&lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar::<_, String>(
            "SELECT changes FROM audit_log WHERE event = 'campus.updated' AND entity_id = $1",
        )
        .bind(place)
        .fetch_one(pool)
        .await
        .unwrap()
    }))
    .unwrap();
    assert_eq!(changes, serde_json::json!([{ "field": "city", "before": "Victoria", "after": "Rabat" }]));

    // Nothing points at them: each can go.
    for (taxon, id) in [("category", &cat_id), ("campus", &place_id), ("instructor", &person_text)] {
        let res = staff.call("admin/taxonomy/delete", &[("taxon", taxon), ("id", id)]).await;
        assert!(res.status < 400, "{taxon}: {} {}", res.status, res.body);
    }
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM categories WHERE id = {cat}")).await, 0);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM locations WHERE id = {place}")).await, 0);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM instructors WHERE id = {person_id}")).await, 0);
    for (entity, id) in [("category", cat), ("campus", place), ("instructor", person_id)] {
        let actions = [format!("{entity}.created"), format!("{entity}.updated"), format!("{entity}.deleted")];
        assert_eq!(events(&app, entity, id).await, actions);
    }
    let staff_id = count(&app, "SELECT id FROM users WHERE email = 'staff1@academy.test'").await;
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE entity <> '' AND actor_id <> {staff_id}")).await,
        0
    );

    // The lists find what they hold.
    let page = staff.get("/admin/campuses?q=valletta").await;
    assert_eq!(page.status, 200);
    let names = Html::parse_document(&page.body);
    let rows: Vec<String> = names
        .select(&Selector::parse("table.admin-table tbody th a").unwrap())
        .map(|a| a.text().collect::<String>())
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(staff.get("/admin/categories?sort=uses&page=1").await.body.contains("Cloud computing"));
    assert_eq!(staff.get(&format!("/admin/categories/{cat}")).await.status, 404, "a deleted record is gone");
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_stores_nothing() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let counts = async |app: &TestApp| {
        (
            count(app, "SELECT COUNT(*) FROM categories").await,
            count(app, "SELECT COUNT(*) FROM locations").await,
            count(app, "SELECT COUNT(*) FROM instructors").await,
            audit_count(app).await,
        )
    };
    let before = counts(&app).await;
    let cases: Vec<(&str, Vec<(&str, &str)>, &str)> = vec![
        ("admin/categories/save", with(category("Fine", ""), "name", ""), "name"),
        ("admin/categories/save", with(category("Fine", ""), "name", "bad\u{1}name"), "name"),
        ("admin/categories/save", with(category("Fine", ""), "slug", "Not A Slug"), "slug"),
        ("admin/categories/save", with(category("Fine", ""), "kind", "art"), "kind"),
        ("admin/categories/save", with(category("Fine", ""), "position", "-3"), "position"),
        ("admin/categories/save", with(category("Fine", ""), "slug", "cloud"), "slug"),
        ("admin/campuses/save", with(campus("Fine"), "timezone", "Mars/Olympus"), "timezone"),
        ("admin/campuses/save", with(campus("Fine"), "address", ""), "address"),
        ("admin/campuses/save", with(campus("Fine"), "slug", "valletta"), "slug"),
        ("admin/instructors/save", instructor("", ""), "name"),
        ("admin/instructors/save", instructor("Fine", "not an address"), "email"),
        ("admin/instructors/save", instructor("Fine", "nobody@academy.test"), "email"),
    ];
    for (endpoint, fields, named) in &cases {
        let res = staff.call(endpoint, fields).await;
        assert_eq!(res.status, 422, "{endpoint} {fields:?}: {}", res.body);
        assert!(res.body.contains(&format!("\"{named}\"")), "{named} named: {}", res.body);
    }
    // An account is one instructor's at most.
    app.state.accounts.create_confirmed("teacher@academy.test", "Teacher", PASSWORD, Role::Instructor).await.unwrap();
    assert!(staff.call("admin/instructors/save", &instructor("First", "teacher@academy.test")).await.status < 400);
    let taken = staff.call("admin/instructors/save", &instructor("Second", "teacher@academy.test")).await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    assert!(taken.body.contains("\"email\"") && taken.body.contains("taken"), "{}", taken.body);
    let after = counts(&app).await;
    assert_eq!((after.0, after.1, after.2, after.3), (before.0, before.1, before.2 + 1, before.3 + 1));
    // Settings: a bad phone, address and hours; a bad holiday.
    let settings_before = count(&app, "SELECT COUNT(*) FROM public_holidays").await;
    let res = staff
        .call("admin/settings/save", &[("version", "1"), ("phone", "call us"), ("email", "x"), ("opening_hours", "")])
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    for named in ["phone", "email", "opening_hours"] {
        assert!(res.body.contains(&format!("\"{named}\"")), "{named}: {}", res.body);
    }
    let res = staff.call("admin/settings/holidays/add", &[("date", "31/12/2027"), ("name", "")]).await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM public_holidays").await, settings_before);
    assert_eq!(audit_count(&app).await, after.3);
}

#[tokio::test]
async fn a_save_over_a_stale_version_is_refused_and_shows_what_was_saved() {
    let app = TestApp::demo().await;
    let mut first = person(&app, Role::Staff, 1).await;
    let mut second = person(&app, Role::Staff, 2).await;
    first.call("admin/categories/save", &category("Robotics", "")).await;
    let id = id_of(&app, "categories", "robotics").await.to_string();
    let mut mine = with(category("Robotics", ""), "slug", "robotics");
    mine.extend([("id", id.as_str()), ("version", "1"), ("name", "Robotics & drones")]);
    mine.retain(|(field, value)| *field != "name" || *value != "Robotics");
    let mut theirs = with(category("Robotics", ""), "slug", "robotics");
    theirs.extend([("id", id.as_str()), ("version", "1"), ("position", "9")]);
    theirs.retain(|(field, value)| *field != "position" || *value != "7");
    assert!(first.call("admin/categories/save", &mine).await.status < 400);
    let refused = second.call("admin/categories/save", &theirs).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("Stale") && refused.body.contains("Robotics & drones"), "{}", refused.body);
    let (name, position, version): (String, i64, i64) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT name, position, version FROM categories WHERE slug = 'robotics'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!((name.as_str(), position, version), ("Robotics & drones", 7, 2), "the first save stands");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'category.updated'").await, 1);

    // The settings too: the second of two saves over one version is refused.
    let fields = |phone: &'static str| {
        vec![("version", "1"), ("phone", phone), ("email", "desk@academy.test"), ("opening_hours", "Always")]
    };
    assert!(first.call("admin/settings/save", &fields("+356 2100 0001")).await.status < 400);
    let refused = second.call("admin/settings/save", &fields("+356 2100 0002")).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("+356 2100 0001"), "what was saved: {}", refused.body);
    let phone: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT phone FROM academy_settings").fetch_one(pool).await.unwrap()
    });
    assert_eq!(phone, "+356 2100 0001");
}

#[tokio::test]
async fn a_record_something_points_at_is_not_deleted() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let category = count(&app, "SELECT MIN(category_id) FROM courses").await.to_string();
    let campus = count(&app, "SELECT MIN(location_id) FROM course_sessions").await.to_string();
    let teacher = count(&app, "SELECT MIN(instructor_id) FROM course_sessions").await.to_string();
    let before = (
        count(&app, "SELECT COUNT(*) FROM categories").await,
        count(&app, "SELECT COUNT(*) FROM locations").await,
        count(&app, "SELECT COUNT(*) FROM instructors").await,
        audit_count(&app).await,
    );
    for (taxon, id, words) in [
        ("category", &category, "category_has_courses"),
        ("campus", &campus, "campus_has_sessions"),
        ("instructor", &teacher, "instructor_has_sessions"),
    ] {
        let res = staff.call("admin/taxonomy/delete", &[("taxon", taxon), ("id", id)]).await;
        assert_eq!(res.status, 409, "{taxon}: {}", res.body);
        assert!(res.body.contains(words), "{taxon}: {}", res.body);
    }
    let page = staff.get(&format!("/admin/categories/{category}?confirm=delete")).await;
    assert!(page.body.contains("It cannot be deleted"), "the page says why");
    let after = (
        count(&app, "SELECT COUNT(*) FROM categories").await,
        count(&app, "SELECT COUNT(*) FROM locations").await,
        count(&app, "SELECT COUNT(*) FROM instructors").await,
        audit_count(&app).await,
    );
    assert_eq!(after, before);
    let unknown = staff.call("admin/taxonomy/delete", &[("taxon", "campus"), ("id", "999999")]).await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn learners_and_instructors_calling_the_new_staff_functions_are_refused_and_change_nothing() {
    let app = TestApp::demo().await;
    let mut learner = person(&app, Role::Learner, 2).await;
    let mut teacher = person(&app, Role::Instructor, 3).await;
    let cat = count(&app, "SELECT MIN(id) FROM categories").await.to_string();
    let place = count(&app, "SELECT MIN(id) FROM locations").await.to_string();
    // The settings are filled on the first read: read them once so the
    // counts below compare like with like.
    assert_eq!(app.get("/contact").await.status, 200);
    let holiday_id = count(&app, "SELECT MIN(id) FROM public_holidays").await.to_string();
    let before = (
        count(&app, "SELECT COUNT(*) FROM categories").await,
        count(&app, "SELECT COUNT(*) FROM locations").await,
        count(&app, "SELECT COUNT(*) FROM instructors").await,
        count(&app, "SELECT COUNT(*) FROM public_holidays").await,
        count(&app, "SELECT version FROM academy_settings").await,
        audit_count(&app).await,
    );
    let mut edit = category("Taken over", "");
    edit.extend([("id", cat.as_str()), ("version", "1")]);
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("admin/taxonomy/list", vec![("taxon", "category"), ("raw", "")]),
        ("admin/taxonomy/list", vec![("taxon", "campus"), ("raw", "")]),
        ("admin/taxonomy/list", vec![("taxon", "instructor"), ("raw", "")]),
        ("admin/taxonomy/get", vec![("taxon", "category"), ("id", &cat)]),
        ("admin/categories/save", category("Sneaky", "")),
        ("admin/categories/save", edit),
        ("admin/campuses/save", campus("Sneaky campus")),
        ("admin/instructors/save", instructor("Sneaky teacher", "")),
        ("admin/taxonomy/delete", vec![("taxon", "campus"), ("id", &place)]),
        ("admin/settings/get", vec![]),
        (
            "admin/settings/save",
            vec![("version", "1"), ("phone", "+356 2000 0000"), ("email", "x@y.test"), ("opening_hours", "Never")],
        ),
        ("admin/settings/holidays/add", vec![("date", "2099-06-01"), ("name", "Sneaky day")]),
        ("admin/settings/holidays/remove", vec![("id", &holiday_id)]),
    ];
    for visitor in [&mut learner, &mut teacher] {
        for (endpoint, fields) in &calls {
            let res = visitor.call(endpoint, fields).await;
            assert_eq!(res.status, 403, "{endpoint}: {}", res.body);
        }
        for page in
            ["/admin/categories", "/admin/campuses/new", &format!("/admin/instructors/{cat}"), "/admin/settings"]
        {
            assert_eq!(visitor.get(page).await.status, 403, "{page}");
        }
    }
    let after = (
        count(&app, "SELECT COUNT(*) FROM categories").await,
        count(&app, "SELECT COUNT(*) FROM locations").await,
        count(&app, "SELECT COUNT(*) FROM instructors").await,
        count(&app, "SELECT COUNT(*) FROM public_holidays").await,
        count(&app, "SELECT version FROM academy_settings").await,
        audit_count(&app).await,
    );
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_renamed_category_and_its_new_keywords_reach_the_public_catalogue_at_once() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let (id, slug, course, title): (i64, String, String, String) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as(
            "SELECT k.id, k.slug, c.slug, c.title FROM categories k JOIN courses c ON c.category_id = k.id \
             WHERE c.published ORDER BY c.id LIMIT 1",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    });
    // Warm every cache: the filter, the course page, a search.
    let mut visitor = Visitor::new(&app);
    for _ in 0..2 {
        assert_eq!(visitor.get("/courses").await.status, 200);
        assert_eq!(visitor.get(&format!("/courses/{course}")).await.status, 200);
        assert!(!visitor.get("/courses?q=zyzzyva").await.body.contains(&title));
    }
    let record = staff.call("admin/taxonomy/get", &[("taxon", "category"), ("id", &id.to_string())]).await;
    let record: serde_json::Value = serde_json::from_str(&record.body).unwrap();
    let value = |name: &str| {
        record["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v[0] == name)
            .map(|v| v[1].as_str().unwrap().to_string())
            .unwrap()
    };
    let (kind, keywords, version) =
        (value("kind"), format!("{} zyzzyva", value("keywords")), record["version"].to_string());
    let id_text = id.to_string();
    let fields = [
        ("id", id_text.as_str()),
        ("version", version.as_str()),
        ("slug", slug.as_str()),
        ("name", "Renamed subject"),
        ("kind", kind.as_str()),
        ("description", "Anything."),
        ("position", "1"),
        ("keywords", keywords.as_str()),
    ];
    let res = staff.call("admin/categories/save", &fields).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);

    let catalogue = Html::parse_document(&visitor.get("/courses").await.body);
    let option = Selector::parse(&format!("select[name=category] option[value=\"{slug}\"]")).unwrap();
    let shown: Vec<String> = catalogue.select(&option).map(|o| o.text().collect()).collect();
    assert!(!shown.is_empty() && shown.iter().all(|name| name.contains("Renamed subject")), "the filter: {shown:?}");
    assert!(visitor.get(&format!("/courses/{course}")).await.body.contains("Renamed subject"), "the course page");
    let found = visitor.get("/courses?q=zyzzyva").await;
    assert!(found.body.contains(&title), "the new keyword finds the category's courses");
    assert!(visitor.get("/courses?q=renamed").await.body.contains(&title), "and so does the new name");
}

/// A Wednesday in October of next year: no public holiday in the bundled calendar.
fn a_working_day_next_year() -> chrono::NaiveDate {
    use chrono::Datelike;
    let mut day = chrono::NaiveDate::from_ymd_opt(chrono::Utc::now().year() + 1, 10, 12).unwrap();
    while day.weekday() != chrono::Weekday::Wed {
        day = day.succ_opt().unwrap();
    }
    day
}

#[tokio::test]
async fn the_settings_feed_the_contact_page_and_the_schedule() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    // First read: the environment's values and the bundled calendar.
    let contact = app.get("/contact").await;
    assert!(contact.body.contains(&app.state.config.contact_phone), "the first-start default");
    let year = chrono::Datelike::year(&chrono::Utc::now());
    for y in year..year + 3 {
        let days = count(&app, &format!("SELECT COUNT(*) FROM public_holidays WHERE day = '{y}-12-25'")).await;
        assert_eq!(days, 1, "Christmas {y} is in the settings");
    }
    let fields = [
        ("version", "1"),
        ("phone", "+356 2999 1234"),
        ("email", "desk@academy.test"),
        ("opening_hours", "Weekdays 9 to 5"),
    ];
    let res = staff.call("admin/settings/save", &fields).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let contact = Visitor::new(&app).get("/contact").await;
    assert!(
        contact.body.contains("+356 2999 1234") && contact.body.contains("Weekdays 9 to 5"),
        "the saved phone and hours"
    );
    assert!(contact.body.contains("desk@academy.test"));
    assert!(!contact.body.contains(&app.state.config.contact_phone));
    // Another instance on the same database reads the same settings.
    let sibling = app.sibling().await;
    assert!(sibling.get("/contact").await.body.contains("+356 2999 1234"));

    // A course to schedule.
    let category = count(&app, "SELECT MIN(id) FROM categories").await;
    let category: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT slug FROM categories WHERE id = $1").bind(category).fetch_one(pool).await.unwrap()
    });
    let course = [
        ("title", "Holiday test"),
        ("slug", ""),
        ("category", category.as_str()),
        ("summary", "A summary."),
        ("description", "A description."),
        ("outcomes", ""),
        ("prerequisites", ""),
        ("level", "beginner"),
        ("duration_hours", "7"),
        ("price", "100"),
        ("language", "en"),
    ];
    assert!(staff.call("admin/courses/save", &course).await.status < 400);
    let course_id = count(&app, "SELECT id FROM courses WHERE slug = 'holiday-test'").await.to_string();
    let day = a_working_day_next_year().to_string();
    let schedule = [
        ("course_id", course_id.as_str()),
        ("start_date", day.as_str()),
        ("start_time", "09:00"),
        ("end_time", "17:00"),
        ("mode", "online"),
        ("location", ""),
        ("instructor", ""),
        ("capacity", "12"),
        ("weeks", "1"),
    ];
    // Warm the settings' cache with the day still open.
    assert_eq!(staff.get("/admin/settings").await.status, 200);
    let res = staff.call("admin/settings/holidays/add", &[("date", &day), ("name", "Academy day")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let twice = staff.call("admin/settings/holidays/add", &[("date", &day), ("name", "Again")]).await;
    assert_eq!(twice.status, 422, "one holiday a day: {}", twice.body);
    let refused = staff.call("admin/courses/schedule", &schedule).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("holiday"), "{}", refused.body);
    let page = staff.get("/admin/settings").await;
    assert!(page.body.contains("Academy day"), "the holiday is listed");

    let holiday = count(&app, "SELECT id FROM public_holidays WHERE name = 'Academy day'").await.to_string();
    let res = staff.call("admin/settings/holidays/remove", &[("id", &holiday)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res = staff.call("admin/courses/schedule", &schedule).await;
    assert!(res.status < 400, "the day is open again: {} {}", res.status, res.body);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM course_sessions WHERE course_id = {course_id}")).await, 1);
    let trail: Vec<String> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT event FROM audit_log WHERE entity IN ('settings', 'holiday') ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert_eq!(trail, ["settings.updated", "holiday.created", "holiday.deleted"]);
}

#[tokio::test]
async fn hostile_names_are_shown_as_text() {
    let app = TestApp::demo().await;
    let mut staff = person(&app, Role::Staff, 1).await;
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let fields = with(with(category(hostile, ""), "slug", "hostile"), "keywords", "<b>bold</b>");
    assert!(staff.call("admin/categories/save", &fields).await.status < 400);
    let fields = with(with(campus(hostile), "slug", "hostile-campus"), "address", hostile);
    assert!(staff.call("admin/campuses/save", &fields).await.status < 400);
    let fields = with(with(instructor(hostile, ""), "slug", "hostile-teacher"), "bio", hostile);
    assert!(staff.call("admin/instructors/save", &fields).await.status < 400);
    let holiday = [("date", "2099-06-01"), ("name", hostile)];
    assert!(staff.call("admin/settings/holidays/add", &holiday).await.status < 400);
    let (cat, place, teacher) = (
        id_of(&app, "categories", "hostile").await,
        id_of(&app, "locations", "hostile-campus").await,
        id_of(&app, "instructors", "hostile-teacher").await,
    );
    let pages = [
        "/admin/categories?q=script".to_string(),
        format!("/admin/categories/{cat}"),
        "/admin/campuses".into(),
        format!("/admin/campuses/{place}"),
        "/admin/instructors".into(),
        format!("/admin/instructors/{teacher}"),
        "/admin/settings".into(),
        "/admin/audit".into(),
        "/contact".into(),
    ];
    for page in pages {
        let res = staff.get(&page).await;
        assert_eq!(res.status, 200, "{page}");
        let html = Html::parse_document(&res.body);
        let injected = Selector::parse("main script, main img, img[onerror], main b").unwrap();
        assert_eq!(html.select(&injected).count(), 0, "{page}: markup got through");
        let shown = html.root_element().text().collect::<String>();
        assert!(shown.contains(hostile), "{page}: the name shown as typed");
    }
}
