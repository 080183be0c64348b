//! The administrators' users pages, through the server functions they
//! post to and the pages themselves: people found by name, address and
//! role a page at a time; roles changed under their rules (never one's
//! own, never the last administrator's); instructor profiles linked and
//! unlinked over their version; accounts deactivated (sessions ended at
//! once, sign-in refused, seats kept or handed on) and reactivated; every
//! other role refused; an audit entry for each write and none for a
//! refusal; and hostile names shown as text.

use crate::back_office::{PASSWORD, person};
use crate::enrolment::{people, set, standing, two_sessions};
use crate::helpers::TestApp;
use crate::visitor::{Visitor, count, mails_to};
use lyceum::model::account::Role;
use lyceum::model::users::{UserListView, UserView};
use lyceum::server::client::Client;
use scraper::{Html, Selector};

/// The entries of the trail about records (not sign-ins).
async fn changes(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM audit_log WHERE entity <> ''").await
}

async fn entries(app: &TestApp, event: &str, id: i64) -> i64 {
    count(app, &format!("SELECT COUNT(*) FROM audit_log WHERE event = '{event}' AND entity_id = {id}")).await
}

async fn id_of(app: &TestApp, email: &str) -> i64 {
    count(app, &format!("SELECT id FROM users WHERE email = '{email}'")).await
}

async fn list(admin: &mut Visitor<'_>, raw: &str) -> UserListView {
    let res = admin.call("admin/users/list", &[("raw", raw)]).await;
    assert_eq!(res.status, 200, "{raw}: {}", res.body);
    serde_json::from_str(&res.body).unwrap()
}

async fn view(admin: &mut Visitor<'_>, id: i64) -> UserView {
    let res = admin.call("admin/users/get", &[("id", &id.to_string())]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    serde_json::from_str(&res.body).unwrap()
}

#[tokio::test]
async fn admins_find_people_by_name_or_address_and_role_a_page_at_a_time() {
    let app = TestApp::empty().await;
    let mut admin = person(&app, Role::Admin, 1).await;
    people(&app, "pupil", 30, Role::Learner).await;
    people(&app, "tutor", 2, Role::Instructor).await;
    app.state.accounts.create_confirmed("zq@elsewhere.test", "Zoë Quill", PASSWORD, Role::Staff).await.unwrap();

    let found = list(&mut admin, "q=QUILL").await;
    assert_eq!(found.lines.iter().map(|l| l.email.as_str()).collect::<Vec<_>>(), ["zq@elsewhere.test"], "by name");
    let found = list(&mut admin, "q=elsewhere.test").await;
    assert_eq!((found.total, found.lines[0].name.as_str()), (1, "Zoë Quill"), "by address");
    // `_` and `%` are letters here, not patterns.
    assert_eq!(list(&mut admin, "q=%25").await.total, 0);

    let learners = list(&mut admin, "role=learner").await;
    assert_eq!((learners.total, learners.lines.len(), learners.pages()), (30, 25, 2));
    assert!(learners.lines.iter().all(|l| l.role == Role::Learner));
    let second = list(&mut admin, "role=learner&page=2").await;
    assert_eq!(second.lines.len(), 5);
    let first: Vec<i64> = learners.lines.iter().map(|l| l.id).collect();
    assert!(second.lines.iter().all(|l| !first.contains(&l.id)), "pages do not overlap");
    let tutors = list(&mut admin, "q=tutor&role=instructor").await;
    assert_eq!(tutors.total, 2);
    assert_eq!(list(&mut admin, "q=tutor&role=learner").await.total, 0, "both filters hold");
    assert_eq!(list(&mut admin, "").await.total, 34, "everyone, the administrator too");

    // The page, without JavaScript: the search is a link.
    let page = admin.get("/admin/users?q=quill").await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.body);
    let rows = Selector::parse("table.admin-table tbody tr").unwrap();
    assert_eq!(html.select(&rows).count(), 1);
    let link = Selector::parse("table.admin-table tbody a").unwrap();
    let href = html.select(&link).next().unwrap().value().attr("href").unwrap().to_string();
    assert_eq!(href, format!("/admin/users/{}", id_of(&app, "zq@elsewhere.test").await));
    let paged = Html::parse_document(&admin.get("/admin/users?role=learner").await.body);
    let next = Selector::parse("a[rel=next]").unwrap();
    assert_eq!(html.select(&next).count(), 0);
    assert_eq!(paged.select(&next).next().unwrap().value().attr("href"), Some("/admin/users?role=learner&page=2"));
}

#[tokio::test]
async fn roles_change_under_their_rules_and_the_last_admin_keeps_the_role() {
    let app = TestApp::empty().await;
    let mut admin = person(&app, Role::Admin, 1).await;
    let mut lea = person(&app, Role::Learner, 2).await;
    let (admin_id, lea_id) = (id_of(&app, "admin1@academy.test").await, id_of(&app, "learner2@academy.test").await);
    let role_of = |id: i64| {
        let app = &app;
        async move {
            let role: String = lyceum::with_pool!(&app.state.db, |pool| {
                sqlx::query_scalar("SELECT role FROM users WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
            });
            role
        }
    };

    let (lea_text, admin_text) = (lea_id.to_string(), admin_id.to_string());
    let res = admin.call("admin/users/role", &[("user_id", &lea_text), ("role", "staff")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(role_of(lea_id).await, "staff");
    assert_eq!(lea.get("/account/profile").await.status, 302, "her next request is signed out");
    assert_eq!(entries(&app, "user.role_changed", lea_id).await, 1);
    // The same role again changes nothing, and writes nothing.
    let before = changes(&app).await;
    assert!(admin.call("admin/users/role", &[("user_id", &lea_text), ("role", "staff")]).await.status < 400);
    assert_eq!(changes(&app).await, before);

    // Never one's own role.
    let res = admin.call("admin/users/role", &[("user_id", &admin_text), ("role", "learner")]).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(res.body.contains("own_account"), "{}", res.body);
    assert_eq!(role_of(admin_id).await, "admin");
    // The operator may, but not of the last active administrator.
    let accounts = &app.state.accounts;
    let refused = accounts.set_role(None, admin_id, Role::Learner, &Client::default()).await.unwrap_err();
    assert!(format!("{refused:?}").contains("LastAdmin"), "{refused:?}");
    assert_eq!(role_of(admin_id).await, "admin");
    assert_eq!(changes(&app).await, before, "no entry for a refusal");

    // With a second administrator, either may demote the other.
    accounts.set_role(None, lea_id, Role::Admin, &Client::default()).await.unwrap();
    let detail = count(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE event = 'role_changed' AND user_id = {lea_id} AND detail = 'role admin set by the operator'")).await;
    assert_eq!(detail, 1, "the operator's change is traced as the operator's");
    let res = admin.call("admin/users/role", &[("user_id", &lea_text), ("role", "learner")]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(role_of(lea_id).await, "learner");

    // Without JavaScript: back to the account's page, with the notice.
    let page = format!("/admin/users/{lea_id}");
    let res = admin.submit(&page, "admin/users/role", &[("user_id", &lea_text), ("role", "instructor")]).await;
    assert_eq!(res.header("location"), Some(format!("{page}?notice=role-changed").as_str()));
    let shown = admin.get(&format!("{page}?notice=role-changed")).await;
    assert!(shown.body.contains("The role is changed."), "{}", shown.body);
    // A refusal comes back to the page, said beside the form.
    let res = admin.submit(&page, "admin/users/role", &[("user_id", &lea_text), ("role", "root")]).await;
    assert_eq!(res.header("location"), Some(page.as_str()));
    let shown = Html::parse_document(&admin.get(&page).await.body);
    let marked = Selector::parse("select#f-role[aria-invalid=true]").unwrap();
    assert_eq!(shown.select(&marked).count(), 1, "the role field is marked");
}

fn instructor<'a>(name: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("slug", ""), ("name", name), ("title", title), ("bio", ""), ("email", "")]
}

#[tokio::test]
async fn instructor_profiles_are_linked_and_unlinked_over_their_version() {
    let app = TestApp::empty().await;
    let mut admin = person(&app, Role::Admin, 1).await;
    for name in ["Grace Hopper", "Alan Kay"] {
        let res = admin.call("admin/instructors/save", &instructor(name, "Teacher")).await;
        assert!(res.status < 400, "{} {}", res.status, res.body);
    }
    let grace = count(&app, "SELECT id FROM instructors WHERE slug = 'grace-hopper'").await;
    let alan = count(&app, "SELECT id FROM instructors WHERE slug = 'alan-kay'").await;
    let tutors = people(&app, "tutor", 2, Role::Instructor).await;
    let (ulla, vic) = (tutors[0].id.to_string(), tutors[1].id.to_string());
    let linked = |id: i64| {
        let app = &app;
        async move { count(app, &format!("SELECT COALESCE(user_id, 0) FROM instructors WHERE id = {id}")).await }
    };

    let shown = view(&mut admin, tutors[0].id).await;
    assert_eq!(shown.instructor, None);
    let offered: Vec<String> = shown.free_profiles.iter().map(|p| p.value()).collect();
    assert_eq!(offered, [format!("{alan}@1"), format!("{grace}@1")], "by name, each with its version");

    let res =
        admin.call("admin/users/instructor/link", &[("user_id", &ulla), ("instructor", &format!("{grace}@1"))]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(linked(grace).await, tutors[0].id);
    assert_eq!(entries(&app, "instructor.updated", grace).await, 1);
    let trail: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT changes FROM audit_log WHERE event = 'instructor.updated'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert!(trail.contains("\"email\"") && !trail.contains("tutor0@example.com"), "the address is personal: {trail}");
    let shown = view(&mut admin, tutors[0].id).await;
    assert_eq!(shown.instructor.as_ref().map(|p| p.value()), Some(format!("{grace}@2")));

    let before = changes(&app).await;
    // One profile an account: Ulla has Grace's.
    let res =
        admin.call("admin/users/instructor/link", &[("user_id", &ulla), ("instructor", &format!("{alan}@1"))]).await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("account_linked"), "{}", res.body);
    assert_eq!(linked(alan).await, 0);
    // One account a profile: Grace's is not taken from Ulla.
    let res =
        admin.call("admin/users/instructor/link", &[("user_id", &vic), ("instructor", &format!("{grace}@2"))]).await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("profile_linked"), "{}", res.body);
    assert_eq!(linked(grace).await, tutors[0].id);
    // Someone saved Alan's profile since the page showed version 1.
    let mut edit = instructor("Alan Kay", "Smalltalk");
    let alan_text = alan.to_string();
    edit.extend([("id", alan_text.as_str()), ("version", "1")]);
    assert!(admin.call("admin/instructors/save", &edit).await.status < 400);
    let saved = changes(&app).await;
    let res =
        admin.call("admin/users/instructor/link", &[("user_id", &vic), ("instructor", &format!("{alan}@1"))]).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(res.body.contains("Stale"), "{}", res.body);
    assert_eq!(linked(alan).await, 0);
    // Unreadable choices.
    for bad in ["", "alan", "0@1"] {
        let res = admin.call("admin/users/instructor/link", &[("user_id", &vic), ("instructor", bad)]).await;
        assert_eq!(res.status, 422, "{bad}: {}", res.body);
    }
    // Only the account's own profile is taken off it.
    let res =
        admin.call("admin/users/instructor/unlink", &[("user_id", &vic), ("instructor", &format!("{grace}@2"))]).await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(changes(&app).await, saved, "no entry for any refusal");
    assert_eq!(saved, before + 1, "only the profile's own save");

    let res =
        admin.call("admin/users/instructor/link", &[("user_id", &vic), ("instructor", &format!("{alan}@2"))]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    let res =
        admin.call("admin/users/instructor/unlink", &[("user_id", &ulla), ("instructor", &format!("{grace}@2"))]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!((linked(grace).await, linked(alan).await), (0, tutors[1].id));
    assert_eq!(entries(&app, "instructor.updated", grace).await, 2);
    assert_eq!(changes(&app).await, saved + 2);
}

#[tokio::test]
async fn deactivation_ends_sessions_refuses_sign_in_and_keeps_seats_unless_handed_on() {
    let app = TestApp::demo().await;
    let (_, first, _) = two_sessions(&app, (1, 2)).await;
    let mut admin = person(&app, Role::Admin, 1).await;
    let mut ann = person(&app, Role::Learner, 2).await;
    let ann_id = id_of(&app, "learner2@academy.test").await;
    let ann_user = lyceum::model::account::User {
        id: ann_id,
        email: "learner2@academy.test".into(),
        name: "Learner 2".into(),
        role: Role::Learner,
        verified: true,
    };
    let enrolments = &app.state.enrolments;
    let seat = enrolments.enrol(&ann_user, ann_id, first).await.unwrap();
    let waiting = people(&app, "waiting", 1, Role::Learner).await.remove(0);
    enrolments.enrol(&waiting, waiting.id, first).await.unwrap();
    let mut second_browser = Visitor::from_ip(&app, "203.0.113.90".parse().unwrap());
    let login = [("email", "learner2@academy.test"), ("password", PASSWORD)];
    assert!(second_browser.call("account/login", &login).await.status < 400);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM sessions WHERE user_id = {ann_id}")).await, 2);
    let ann_text = ann_id.to_string();
    let status_of = |id: i64| {
        let app = &app;
        async move {
            let status: String = lyceum::with_pool!(&app.state.db, |pool| {
                sqlx::query_scalar("SELECT status FROM enrolments WHERE id = $1")
                    .bind(id)
                    .fetch_one(pool)
                    .await
                    .unwrap()
            });
            status
        }
    };

    // Kept seats: deactivated without handing them on.
    let before = changes(&app).await;
    let res = admin.call("admin/users/deactivate", &[("user_id", &ann_text)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM sessions WHERE user_id = {ann_id}")).await, 0);
    assert_eq!(ann.get("/account/profile").await.status, 302, "her next request is signed out");
    assert_eq!(second_browser.get("/account/profile").await.status, 302, "in every browser");
    assert_eq!(status_of(seat.id).await, "confirmed", "her seat stays hers");
    assert_eq!(standing(&app, first).await.3, 1, "the waitlist waits");
    assert_eq!(entries(&app, "user.deactivated", ann_id).await, 1);
    assert_eq!(changes(&app).await, before + 1);
    let shown = view(&mut admin, ann_id).await;
    assert!(shown.deactivated.is_some());
    assert_eq!(shown.live_enrolments, 1);

    // Sign-in is refused, plainly, with and without JavaScript; no reset
    // link is sent either.
    let res = ann.call("account/login", &login).await;
    assert_eq!(res.status, 403, "{}", res.body);
    assert!(res.body.contains("Deactivated"), "{}", res.body);
    ann.submit("/login", "account/login", &login).await;
    let page = ann.get("/login").await;
    assert!(page.body.contains("This account has been deactivated"), "{}", page.body);
    let mails = mails_to(&app, "learner2@academy.test").await.len();
    ann.call("account/forgot-password", &[("email", "learner2@academy.test")]).await;
    assert_eq!(mails_to(&app, "learner2@academy.test").await.len(), mails, "no link for a deactivated account");

    // Twice is refused, and writes nothing.
    let res = admin.call("admin/users/deactivate", &[("user_id", &ann_text)]).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(changes(&app).await, before + 1);

    // Reactivated, she signs in again, and finds her seat.
    let res = admin.call("admin/users/reactivate", &[("user_id", &ann_text)]).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    assert_eq!(entries(&app, "user.reactivated", ann_id).await, 1);
    assert_eq!(admin.call("admin/users/reactivate", &[("user_id", &ann_text)]).await.status, 409);
    assert!(ann.call("account/login", &login).await.status < 400);
    assert_eq!(ann.get("/account/profile").await.status, 200);
    // A session that outlived a deactivation (written back by a request
    // under way) does not let its holder in.
    set(&app, &format!("UPDATE users SET deactivated_at = updated_at WHERE id = {ann_id}")).await;
    assert_eq!(ann.get("/account/profile").await.status, 302, "signed out where the user is loaded");
    set(&app, &format!("UPDATE users SET deactivated_at = NULL WHERE id = {ann_id}")).await;

    // Handed on, without JavaScript: asked first, then her seat goes to
    // the first on the waitlist, who is told.
    let page = format!("/admin/users/{ann_id}");
    let ask = Html::parse_document(&admin.get(&format!("{page}?confirm=deactivate&hand_on=on")).await.body);
    let confirm = Selector::parse(".confirm[role=alertdialog] form input[name=hand_on][value=on]").unwrap();
    assert_eq!(ask.select(&confirm).count(), 1, "the question carries the choice");
    let told = mails_to(&app, &waiting.email).await.len();
    let res = admin.submit(&page, "admin/users/deactivate", &[("user_id", &ann_text), ("hand_on", "on")]).await;
    assert_eq!(res.header("location"), Some(format!("{page}?notice=account-deactivated").as_str()), "{}", res.body);
    assert_eq!(status_of(seat.id).await, "cancelled");
    let (confirmed, waitlist, taken, length) = standing(&app, first).await;
    assert_eq!((confirmed, waitlist, taken, length), (1, vec![], 1, 0), "the waiting learner has the seat");
    assert_eq!(mails_to(&app, &waiting.email).await.len(), told + 1, "and is told");
    let trail: String = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar(
            "SELECT changes FROM audit_log WHERE event = 'user.deactivated' AND entity_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(ann_id)
        .fetch_one(pool)
        .await
        .unwrap()
    });
    assert!(trail.contains("handed on"), "{trail}");
    let problems = lyceum::server::enrolment::check::check_seats(&app.state.db).await.unwrap();
    assert_eq!(problems, []);
}

#[tokio::test]
async fn an_admin_cannot_deactivate_themselves_and_the_last_admin_stays() {
    let app = TestApp::empty().await;
    let mut admin = person(&app, Role::Admin, 1).await;
    let admin_id = id_of(&app, "admin1@academy.test").await;
    let before = changes(&app).await;
    let res = admin.call("admin/users/deactivate", &[("user_id", &admin_id.to_string())]).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(admin.get("/admin/users").await.status, 200, "still signed in");
    assert_eq!(changes(&app).await, before);
    let page = Html::parse_document(&admin.get(&format!("/admin/users/{admin_id}")).await.body);
    let forms = Selector::parse("form select[name=role], form input[name=hand_on]").unwrap();
    assert_eq!(page.select(&forms).count(), 0, "no form for one's own role or account");
    let other = people(&app, "peer", 1, Role::Admin).await.remove(0);
    assert!(admin.call("admin/users/deactivate", &[("user_id", &other.id.to_string())]).await.status < 400);
    // A deactivated administrator does not count: the last active one
    // keeps the role.
    let refused = app.state.accounts.set_role(None, admin_id, Role::Staff, &Client::default()).await.unwrap_err();
    assert!(format!("{refused:?}").contains("LastAdmin"), "{refused:?}");
}

#[tokio::test]
async fn everyone_but_an_admin_is_refused_by_every_users_function_and_nothing_changes() {
    let app = TestApp::demo().await;
    let mut admin = person(&app, Role::Admin, 1).await;
    let res = admin.call("admin/instructors/save", &instructor("Grace Hopper", "Teacher")).await;
    assert!(res.status < 400, "{}", res.body);
    let grace = count(&app, "SELECT id FROM instructors WHERE slug = 'grace-hopper'").await;
    let target = people(&app, "target", 1, Role::Learner).await.remove(0);
    let (id, pick) = (target.id.to_string(), format!("{grace}@1"));
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("admin/users/list", vec![("raw", "")]),
        ("admin/users/get", vec![("id", &id)]),
        ("admin/users/role", vec![("user_id", &id), ("role", "admin")]),
        ("admin/users/deactivate", vec![("user_id", &id), ("hand_on", "on")]),
        ("admin/users/reactivate", vec![("user_id", &id)]),
        ("admin/users/instructor/link", vec![("user_id", &id), ("instructor", &pick)]),
        ("admin/users/instructor/unlink", vec![("user_id", &id), ("instructor", &pick)]),
    ];
    let state = async || {
        (
            changes(&app).await,
            count(&app, "SELECT COUNT(*) FROM users WHERE deactivated_at IS NOT NULL").await,
            count(&app, "SELECT COUNT(*) FROM users WHERE role = 'admin'").await,
            count(&app, "SELECT COUNT(*) FROM instructors WHERE user_id IS NOT NULL").await,
            count(&app, "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM instructors").await,
        )
    };
    let mut learner = person(&app, Role::Learner, 2).await;
    let mut instructor = person(&app, Role::Instructor, 3).await;
    let mut staff = person(&app, Role::Staff, 4).await;
    let before = state().await;
    for visitor in [&mut learner, &mut instructor, &mut staff] {
        for (endpoint, fields) in &calls {
            let res = visitor.call(endpoint, fields).await;
            assert_eq!(res.status, 403, "{endpoint}: {}", res.body);
        }
        for page in ["/admin/users".to_string(), format!("/admin/users/{id}")] {
            assert_eq!(visitor.get(&page).await.status, 403, "{page}");
        }
    }
    let mut nobody = Visitor::from_ip(&app, "203.0.113.91".parse().unwrap());
    for (endpoint, fields) in &calls {
        assert_eq!(nobody.call(endpoint, fields).await.status, 401, "{endpoint}");
    }
    assert_eq!(state().await, before, "nothing stored, nothing audited");
    // The tab is an administrator's only.
    let tab = Selector::parse("nav.admin-nav a[href='/admin/users']").unwrap();
    let staff_page = Html::parse_document(&staff.get("/admin").await.body);
    assert_eq!(staff_page.select(&tab).count(), 0);
    let admin_page = Html::parse_document(&admin.get("/admin").await.body);
    assert_eq!(admin_page.select(&tab).count(), 1);
}

#[tokio::test]
async fn hostile_names_show_as_text_on_the_users_pages() {
    let app = TestApp::empty().await;
    let mut admin = person(&app, Role::Admin, 1).await;
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)> O'Brien";
    app.state.accounts.create_confirmed("mallory@example.com", hostile, PASSWORD, Role::Learner).await.unwrap();
    let id = id_of(&app, "mallory@example.com").await;
    for page in [
        "/admin/users?q=script".to_string(),
        format!("/admin/users/{id}"),
        format!("/admin/users/{id}?confirm=deactivate"),
    ] {
        let res = admin.get(&page).await;
        assert_eq!(res.status, 200, "{page}");
        let html = Html::parse_document(&res.body);
        let injected = Selector::parse("main script, main img, img[onerror]").unwrap();
        assert_eq!(html.select(&injected).count(), 0, "{page}: markup got through");
        let shown = html.root_element().text().collect::<String>();
        assert!(shown.contains(hostile), "{page}: the name shown as typed");
    }
}
