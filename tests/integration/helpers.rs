//! `TestApp`: a fresh, migrated database and the application router, driven
//! in process with `oneshot`.

use axum::{Router, body::Body, extract::ConnectInfo, http::Request};
use http_body_util::BodyExt;
use lyceum::server::{AppState, config::Config, db::Db, http, seed};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

pub struct TestApp {
    pub state: AppState,
    router: Router,
    _dir: Option<tempfile::TempDir>,
}

pub struct TestResponse {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// An empty, migrated database.
    pub async fn empty() -> Self {
        Self::with_settings(&[]).await
    }

    /// An empty, migrated database, with these settings on top of the
    /// tests' defaults.
    pub async fn with_settings(settings: &[(&str, &str)]) -> Self {
        let (url, dir) = fresh_database().await;
        let config = Config::from_lookup(|name| match settings.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => Some(value.to_string()),
            None => match name {
                "DATABASE_URL" => Some(url.clone()),
                "LYCEUM_PUBLIC_URL" => Some("https://academy.test".into()),
                // Staff in the other suites sign in with a password alone;
                // `second_factor` tests the rule with it required.
                "LYCEUM_STAFF_SECOND_FACTOR" => Some("optional".into()),
                _ => None,
            },
        })
        .expect("test configuration is valid");
        let db = Db::connect(&config.database_url, 5).await.expect("test database opens");
        db.migrate().await.expect("migrations apply");
        let leptos = leptos::config::LeptosOptions::builder().output_name("lyceum").site_root("target/site").build();
        let state = AppState::new(config, db, leptos);
        let router = http::router(state.clone());
        Self { state, router, _dir: dir }
    }

    /// Another instance of the application on this one's database, as a
    /// second server behind a balancer (or this one after a restart) is.
    pub async fn sibling(&self) -> Self {
        let config = (*self.state.config).clone();
        let db = Db::connect(&config.database_url, 5).await.expect("test database opens");
        let leptos = self.state.leptos.clone();
        let state = AppState::new(config, db, leptos);
        let router = http::router(state.clone());
        Self { state, router, _dir: None }
    }

    /// This application's settings on the database at `url` (the same one
    /// reached another way, say through a relay that a test can cut).
    pub async fn on_database(&self, url: &str) -> Self {
        let mut config = (*self.state.config).clone();
        config.database_url = url.to_string();
        let db = Db::connect(url, 5).await.expect("test database opens");
        let state = AppState::new(config, db, self.state.leptos.clone());
        let router = http::router(state.clone());
        Self { state, router, _dir: None }
    }

    /// The demo catalogue, as on first start.
    pub async fn demo() -> Self {
        Self::demo_with(&[]).await
    }

    /// The demo catalogue, with these settings.
    pub async fn demo_with(settings: &[(&str, &str)]) -> Self {
        let app = Self::with_settings(settings).await;
        let tz = app.state.config.timezone;
        let today = chrono::Utc::now().with_timezone(&tz).date_naive();
        seed::demo::load(&app.state.db, tz, today).await.expect("demo data loads");
        app
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    /// Sends `request` as if from this machine, unless it names its own
    /// peer address (`ConnectInfo`), as `Visitor`s do.
    pub async fn request(&self, mut request: Request<Body>) -> TestResponse {
        if request.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        }
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body reads").to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }
}

impl TestApp {
    /// Every kind of job the app runs, delivering mail through `mailer`:
    /// the very registry the server's worker runs.
    pub fn job_registry(&self, mailer: lyceum::server::mail::Mailer) -> lyceum::server::jobs::Registry {
        self.state.domain.jobs(mailer)
    }

    /// Runs every queued job that is due, of the kinds in `kinds` (every
    /// kind when empty), until none is left; mail goes to the development
    /// mailbox. How many ran.
    pub async fn run_jobs(&self, kinds: &[&str]) -> usize {
        use lyceum::server::jobs::worker::{Worker, WorkerConfig};
        let config = WorkerConfig {
            kinds: kinds.iter().map(|kind| kind.to_string()).collect(),
            poll_interval: std::time::Duration::from_millis(10),
            ..WorkerConfig::default()
        };
        let registry = self.job_registry(lyceum::server::mail::Mailer::Mailbox);
        Worker::new(self.state.db.clone(), registry, config).run_until_idle().await
    }

    /// Serves the app on a free loopback port until the test ends, for
    /// clients outside the process (the independent checkers).
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let addr = listener.local_addr().unwrap();
        let service = self.router.clone().into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        addr
    }
}

/// Runs one of the Python checkers in `tests/support` (installed by
/// `scripts/test`) on `args`; its standard output as JSON, or its error.
pub fn python_check(script: &str, args: &[&str]) -> Result<serde_json::Value, String> {
    let python = std::env::var("LYCEUM_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let path = format!("{}/tests/support/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(&python)
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{python} runs {script} (scripts/test installs its packages): {e}"));
    if output.status.success() {
        Ok(serde_json::from_slice(&output.stdout).expect("the checker prints JSON"))
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// A database URL no other test uses: a temporary SQLite file, or a new
/// database on the PostgreSQL server named by `LYCEUM_TEST_DATABASE_URL`.
async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    match std::env::var("LYCEUM_TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let name = format!("lyceum_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
            let admin = sqlx::PgPool::connect(&admin_url).await.expect("test PostgreSQL server is reachable");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("test database is created");
            admin.close().await;
            let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
            (format!("{base}/{name}"), None)
        }
        _ => {
            let dir = tempfile::tempdir().expect("temporary folder");
            let url = format!("sqlite://{}/lyceum.db", dir.path().display());
            (url, Some(dir))
        }
    }
}

/// The text of every match of `<tag ...class="class"...>text</tag>`, crudely:
/// enough to read titles out of rendered cards.
pub fn texts_after(html: &str, marker: &str) -> Vec<String> {
    html.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            let start = rest.find('>')? + 1;
            let end = rest[start..].find('<')? + start;
            Some(decode_entities(&rest[start..end]))
        })
        .collect()
}

pub fn decode_entities(text: &str) -> String {
    text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
}

/// The secret every `lyceum` process of the tests is given.
pub const PROCESS_SECRET: &str = "a test secret that is long enough for lyceum";

/// The `lyceum` binary on a test's database, with nothing of the test
/// runner's environment, working in `dir` (its `data/` lands there).
pub fn lyceum_command(database_url: &str, dir: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_lyceum"));
    command
        .env_clear()
        .env("LYCEUM_ADDR", "127.0.0.1:0")
        .env("LEPTOS_OUTPUT_NAME", "lyceum")
        .env("DATABASE_URL", database_url)
        .env("LYCEUM_DEMO_DATA", "false")
        .env("LYCEUM_LOG", "warn")
        .env("LYCEUM_SECRET", PROCESS_SECRET)
        .current_dir(dir);
    command
}
