//! Who is calling, from a plain axum handler: the extractors refuse an
//! anonymous caller (401) and a role below the one required (403), and
//! accept the right one. The accounts domain is called directly too, with
//! no HTTP and no leptos in between.

use crate::helpers::TestApp;
use crate::visitor::Visitor;
use axum::{Router, body::Body, http::Request, routing::get};
use http_body_util::BodyExt;
use lyceum::error::AppError;
use lyceum::model::account::Role;
use lyceum::server::auth::{CurrentUser, Require, Staff, User};
use lyceum::server::{accounts::Client, error::Error, http};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";

async fn staff_only(Require(user, _): Require<Staff>) -> String {
    format!("staff {} ({})", user.email, user.role.as_str())
}

async fn anyone_signed_in(CurrentUser(user): CurrentUser) -> String {
    format!("hello {}", user.name)
}

/// A router of two plain handlers behind the app's own session layer.
fn handlers(app: &TestApp) -> Router {
    Router::new()
        .route("/staff-only", get(staff_only))
        .route("/signed-in", get(anyone_signed_in))
        .layer(http::session_layer(&app.state))
        .with_state(app.state.clone())
}

async fn call(router: &Router, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn plain_handlers_know_who_is_calling_and_refuse_the_wrong_role() {
    let app = TestApp::demo().await;
    let router = handlers(&app);
    assert_eq!(call(&router, "/signed-in", None).await.0, 401);
    assert_eq!(call(&router, "/staff-only", None).await.0, 401);

    let mut ann = Visitor::new(&app);
    ann.sign_up_and_log_in("Ann Borg", "ann@example.com", PASSWORD).await;
    let cookie = ann.cookie().unwrap().to_string();
    assert_eq!(call(&router, "/signed-in", Some(&cookie)).await, (200, "hello Ann Borg".to_string()));
    let (status, body) = call(&router, "/staff-only", Some(&cookie)).await;
    assert_eq!(status, 403, "a learner on a staff route: {body}");

    // Made staff (which ends her sessions), she signs in again and is let in.
    let user = app.state.accounts.login("ann@example.com", PASSWORD, &Client::default()).await.unwrap();
    app.state.accounts.set_role(None, user.id, Role::Staff, &Client::default()).await.unwrap();
    assert_eq!(call(&router, "/signed-in", Some(&cookie)).await.0, 401, "the role change ended the session");
    let mut ann = Visitor::new(&app);
    let res = ann.call("account/login", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    assert!(res.status < 400, "{}", res.body);
    let cookie = ann.cookie().unwrap().to_string();
    assert_eq!(call(&router, "/staff-only", Some(&cookie)).await, (200, "staff ann@example.com (staff)".to_string()));
}

#[tokio::test]
async fn the_accounts_domain_is_called_directly() {
    let app = TestApp::empty().await;
    let accounts = &app.state.accounts;
    let client = Client { ip: "192.0.2.1".into(), user_agent: "test".into(), local: false };
    let admin_id = accounts.create_confirmed("ada@academy.test", "Ada", PASSWORD, Role::Admin).await.unwrap().unwrap();
    let ada: User = accounts.login("ada@academy.test", PASSWORD, &client).await.unwrap();
    assert_eq!((ada.id, ada.role, ada.verified), (admin_id, Role::Admin, true));

    // An administrator may not change their own role, and no one else may
    // change roles at all.
    let refused = accounts.set_role(Some(&ada), ada.id, Role::Learner, &client).await.unwrap_err();
    assert!(
        matches!(refused, Error::Refused(AppError::Conflict(lyceum::model::enrolment::Refusal::OwnAccount))),
        "{refused:?}"
    );
    let bob_id = accounts.create_confirmed("bob@academy.test", "Bob", PASSWORD, Role::Staff).await.unwrap().unwrap();
    let bob = accounts.login("bob@academy.test", PASSWORD, &client).await.unwrap();
    let refused = accounts.set_role(Some(&bob), admin_id, Role::Learner, &client).await.unwrap_err();
    assert!(matches!(refused, Error::Refused(AppError::Forbidden)), "staff cannot change roles: {refused:?}");
    accounts.set_role(Some(&ada), bob_id, Role::Instructor, &client).await.unwrap();
    let bob = accounts.login("bob@academy.test", PASSWORD, &client).await.unwrap();
    assert_eq!(bob.role, Role::Instructor);

    let wrong = accounts.login("bob@academy.test", "not the password at all", &client).await.unwrap_err();
    assert!(matches!(wrong, Error::Refused(AppError::LoginFailed)), "{wrong:?}");

    // A stored value the code does not know is an error, never a default.
    let read = |sql: &'static str| {
        let db = app.state.db.clone();
        async move { lyceum::with_pool!(&db, |pool| sqlx::query_scalar::<_, Role>(sql).fetch_one(pool).await) }
    };
    assert_eq!(read("SELECT 'staff'").await.unwrap(), Role::Staff);
    let error = read("SELECT 'superuser'").await.unwrap_err();
    assert!(error.to_string().contains("unknown Role \"superuser\""), "{error}");
    let mode = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar::<_, lyceum::model::query::Mode>("SELECT 'by-pigeon'").fetch_one(pool).await
    });
    assert!(mode.is_err());
}

#[tokio::test]
async fn a_server_function_answers_with_its_error_status_however_the_answer_is_compressed() {
    let app = TestApp::demo().await;
    for encoding in ["identity", "gzip", "br, gzip"] {
        let request = Request::post("/rpc/account/login")
            .header("origin", crate::visitor::ORIGIN)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("accept-encoding", encoding)
            .body(Body::from("email=nobody%40example.com&password=not+the+password"))
            .unwrap();
        let res = app.request(request).await;
        assert_eq!(res.status, 401, "{encoding}");
    }
}

#[tokio::test]
async fn a_unique_violation_is_a_field_error_only_for_its_own_index() {
    use lyceum::model::form::{Field, FieldError, Problem};
    use lyceum::server::accounts::store::{NewUser, insert_user};
    use lyceum::server::db::Unique;
    let app = TestApp::empty().await;
    let live_email = Unique { postgres: "users_live_email", sqlite: "users.email" };
    let other = Unique { postgres: "sessions_handle_key", sqlite: "sessions.handle" };
    let new =
        NewUser { email: "ann@example.com", name: "Ann", password_hash: "!", role: Role::Learner, verified_at: None };
    let now = chrono::Utc::now();
    let mut tx = app.state.db.begin().await.unwrap();
    insert_user(&mut tx, &new, now).await.unwrap();
    tx.commit().await.unwrap();
    let duplicate = || async {
        let mut tx = app.state.db.begin().await.unwrap();
        insert_user(&mut tx, &new, now).await.unwrap_err()
    };
    assert!(live_email.violated_by(&duplicate().await));
    assert!(!other.violated_by(&duplicate().await), "another index's violation is not this one");
    match live_email.as_field_error(duplicate().await, Field::Email) {
        Error::Refused(AppError::Invalid(errors)) => {
            assert_eq!(errors, [FieldError { field: Field::Email, problem: Problem::Taken }])
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(other.as_field_error(duplicate().await, Field::Email), Error::Database(_)));
}
