//! `Visitor`: one browser against a `TestApp`, keeping its session cookie,
//! calling server functions as the hydrated page does (fetch) or posting
//! forms as a browser without JavaScript does.

use crate::helpers::{TestApp, TestResponse};
use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, header},
};
use lyceum::server::mail::Mail;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The tests' public origin (see `TestApp`).
pub const ORIGIN: &str = "https://academy.test";

pub struct Visitor<'a> {
    pub app: &'a TestApp,
    /// Every cookie the browser holds, by name.
    cookies: Vec<(String, String)>,
    ip: IpAddr,
    pub user_agent: String,
}

/// `application/x-www-form-urlencoded`, as browsers write it.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => (b as char).to_string(),
                b' ' => "+".to_string(),
                b => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self::from_ip(app, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)))
    }

    pub fn from_ip(app: &'a TestApp, ip: IpAddr) -> Self {
        Self {
            app,
            cookies: Vec::new(),
            ip,
            user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0".into(),
        }
    }

    /// The session cookie as sent (`name=value`), if the visitor has one.
    pub fn cookie(&self) -> Option<String> {
        self.cookies
            .iter()
            .find(|(name, _)| name.ends_with("lyceum_session"))
            .map(|(name, value)| format!("{name}={value}"))
    }

    /// Replaces the session cookie (`name=value`), or drops it.
    pub fn set_cookie(&mut self, cookie: Option<String>) {
        self.cookies.retain(|(name, _)| !name.ends_with("lyceum_session"));
        if let Some((name, value)) = cookie.as_deref().and_then(|c| c.split_once('=')) {
            self.cookies.push((name.to_string(), value.to_string()));
        }
    }

    /// Whether the browser holds a cookie of this name.
    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.iter().any(|(n, _)| n == name)
    }

    fn builder(&self, method: &str, uri: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method).uri(uri).header(header::USER_AGENT, &self.user_agent);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect();
            builder = builder.header(header::COOKIE, jar.join("; "));
        }
        builder
    }

    pub async fn send(&mut self, builder: axum::http::request::Builder, body: Body) -> TestResponse {
        let mut request = builder.body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo(SocketAddr::new(self.ip, 40_000)));
        let response = self.app.request(request).await;
        for set in response.headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap().trim();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let removed = set.contains("Max-Age=0") || value.is_empty();
            self.cookies.retain(|(n, _)| n != name);
            if !removed {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
        response
    }

    pub async fn get(&mut self, uri: &str) -> TestResponse {
        let builder = self.builder("GET", uri).header(header::ACCEPT, "text/html");
        self.send(builder, Body::empty()).await
    }

    /// A server function called by the hydrated page.
    pub async fn call(&mut self, endpoint: &str, fields: &[(&str, &str)]) -> TestResponse {
        let builder = self
            .builder("POST", &format!("/rpc/{endpoint}"))
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        self.send(builder, Body::from(form_body(fields))).await
    }

    /// A form posted by a browser without JavaScript from `page`.
    pub async fn submit(&mut self, page: &str, endpoint: &str, fields: &[(&str, &str)]) -> TestResponse {
        let builder = self
            .builder("POST", &format!("/rpc/{endpoint}"))
            .header(header::ORIGIN, ORIGIN)
            .header(header::REFERER, format!("{ORIGIN}{page}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml");
        self.send(builder, Body::from(form_body(fields))).await
    }

    /// Signs up, confirms the address from the e-mail and logs in.
    pub async fn sign_up_and_log_in(&mut self, name: &str, email: &str, password: &str) {
        let res = self.call("account/signup", &[("name", name), ("email", email), ("password", password)]).await;
        assert!(res.status < 400, "signup: {} {}", res.status, res.body);
        let link = link_in(&last_mail_to(self.app, email).await.text, "/verify-email?token=");
        let token = link.split("token=").nth(1).unwrap().to_string();
        let res = self.call("account/verify-email", &[("token", &token)]).await;
        assert!(res.status < 400, "verify: {} {}", res.status, res.body);
        let res = self.call("account/login", &[("email", email), ("password", password)]).await;
        assert!(res.status < 400, "login: {} {}", res.status, res.body);
        assert!(self.cookie().is_some(), "logged in with a session cookie");
    }
}

/// Every message queued to `to`, oldest first, opened with the app's key
/// as the worker opens them; after the jobs that write mail when they run
/// (notices of new enrolments, requests for a link) have run.
pub async fn mails_to(app: &TestApp, to: &str) -> Vec<Mail> {
    run_notices(app).await;
    let payloads: Vec<String> = lyceum::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'mail.send' ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    let keys = app.state.accounts.keys();
    payloads
        .iter()
        .map(|p| lyceum::server::mail::open(keys, p).expect("a queued message opens with the app's key"))
        .filter(|m| m.to == to)
        .collect()
}

/// Runs the queued jobs that write mail (`enrolment.enrolled`, and the
/// requests for a reset or confirmation link), and no other kind: the mail
/// they queue stays queued, to be read.
pub async fn run_notices(app: &TestApp) -> usize {
    use lyceum::server::accounts::link_requests::{CONFIRM_LINK, RESET_LINK};
    app.run_jobs(&[lyceum::server::enrolment::notices::ENROLLED, RESET_LINK, CONFIRM_LINK]).await
}

pub async fn last_mail_to(app: &TestApp, to: &str) -> Mail {
    mails_to(app, to).await.pop().unwrap_or_else(|| panic!("no mail to {to}"))
}

/// The first link in `text` containing `marker`.
pub fn link_in(text: &str, marker: &str) -> String {
    text.split_whitespace().find(|word| word.contains(marker)).unwrap_or_else(|| panic!("no {marker} in {text}")).into()
}

/// One integer from the database.
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    lyceum::with_pool!(&app.state.db, |pool| sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
}
