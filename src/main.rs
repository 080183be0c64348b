//! The `lyceum` binary: serve the site (the default) or run an operator
//! command. Configuration comes from the environment and `.env`; see the
//! README for every setting.

use chrono::Utc;
use clap::{Parser, Subcommand};
use lyceum::server::jobs::worker::{Worker, WorkerConfig};
use lyceum::server::{AppState, cache_notices, config::Config, db::Db, http, mail, seed, telemetry};
use std::future::IntoFuture;
use std::process::ExitCode;
use tokio::{sync::watch, task::JoinHandle};
use tracing::{error, info, warn};

/// A page rendered per request makes a couple of thousand short-lived
/// allocations; glibc's allocator spent about a quarter of an uncached
/// catalogue page's time on them, mimalloc (thread-local free lists, no
/// consolidation passes) about a third of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "lyceum", version, about = "Lyceum: the web platform a training academy runs on")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the site (the default).
    Serve,
    /// Run the job worker only, no web server.
    Worker {
        /// Run the jobs that are due, then exit (prints how many and how fast).
        #[arg(long)]
        drain: bool,
    },
    /// Create an administrator account. The password is read from standard
    /// input when it is piped in; otherwise one is generated and shown once.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check that every session's seat and waitlist counts agree with its
    /// enrolments; exits 1 (naming how many do not) otherwise.
    CheckSeats,
    /// Print a new Ed25519 key for `LYCEUM_CREDENTIAL_KEYS`, as KEY_ID=KEY
    /// (the id is this month). Put it first in the list to sign with it.
    CredentialKey,
    /// Write a consistent copy of the SQLite database to PATH while it
    /// serves, then check it (integrity, a Lyceum database). PATH must not
    /// exist. On PostgreSQL, says which pg_dump command to run instead.
    Backup { path: std::path::PathBuf },
    /// Replace the SQLite database with the backup at PATH, once a copy of
    /// it passes the integrity, migration and seat checks; refused while any
    /// process has the database open. Newer migrations run on the next start.
    Restore { path: std::path::PathBuf },
    /// Load data into the database.
    Seed {
        #[command(subcommand)]
        what: SeedCommand,
    },
}

#[derive(Subcommand)]
enum SeedCommand {
    /// The demo academy: categories, campuses, instructors, courses and sessions.
    Demo,
    /// No-op jobs, for the job queue benchmark.
    Jobs {
        /// How many jobs to queue.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        count: u32,
    },
    /// Signed-in learners for the enrolment benchmark; their session
    /// cookies go to a file (mode 0600), one per line.
    Learners {
        #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        count: u32,
        #[arg(long)]
        cookies: std::path::PathBuf,
        /// Also an API token each (`enrollments:write`, for a day), to this
        /// file (mode 0600), in the same order.
        #[arg(long)]
        tokens: Option<std::path::PathBuf>,
    },
    /// A generated catalogue for benchmarks.
    Bench {
        /// How many courses to generate.
        #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        courses: u32,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Settings first, then the demo passwords they carry, before anything runs.
    let config = match Config::from_env().and_then(|c| seed::accounts::check_demo_passwords(&c).map(|()| c)) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("lyceum: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log_filter, config.log_format);
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            error!("{message}");
            eprintln!("lyceum: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, mut config: Config) -> Result<(), String> {
    config
        .keep_development_secret(std::path::Path::new(DEVELOPMENT_SECRET))
        .map_err(|e| format!("cannot keep a development secret in {DEVELOPMENT_SECRET}: {e}"))?;
    if let Command::CredentialKey = command {
        let key = lyceum::server::certificates::keys::new_seed();
        println!("{}={key}", Utc::now().format("%Y-%m"));
        return Ok(());
    }
    // Before the database is opened, which migrates it: a backup leaves
    // the database it copies as it is, and a restore must not touch the
    // one it replaces (which may not exist).
    match &command {
        Command::Backup { path } => {
            let made = lyceum::server::backup::backup(&config.database_url, path)
                .await
                .map_err(|e| format!("no backup made: {e}"))?;
            println!("backup written to {} ({} bytes); its integrity is checked", made.path.display(), made.bytes);
            return Ok(());
        }
        Command::Restore { path } => {
            // Held through the swap: an instance starting meanwhile waits
            // for it, then opens the restored file, not the one replaced.
            let lock = startup_lock(&config.database_url).await?;
            let restored = lyceum::server::backup::restore(&config.database_url, path)
                .await
                .map_err(|e| format!("nothing restored: {e}"))?;
            drop(lock);
            println!(
                "{} restored from {}; {} migrations will run on the next start",
                restored.database.display(),
                path.display(),
                restored.pending
            );
            return Ok(());
        }
        _ => {}
    }
    let db = open(&config).await?;
    same_secret_as_the_database(&config, &db).await?;
    match command {
        Command::CredentialKey | Command::Backup { .. } | Command::Restore { .. } => {
            unreachable!("answered before the database is opened")
        }
        Command::Migrate => info!("migrations applied"),
        Command::CheckSeats => {
            let problems = lyceum::server::enrolment::check::check_seats(&db).await.map_err(|e| e.to_string())?;
            if !problems.is_empty() {
                for found in &problems {
                    println!("session {}: {}", found.session_id, found.problem);
                }
                let mut sessions: Vec<i64> = problems.iter().map(|p| p.session_id).collect();
                sessions.dedup();
                return Err(format!(
                    "{} sessions break the enrolment rules ({} problems, listed above)",
                    sessions.len(),
                    problems.len()
                ));
            }
            println!(
                "every session's seats and waitlist agree with its enrolments: none is oversold, every waitlist \
                 is numbered 1..N, no learner holds two places in a session or two seats from one move"
            );
        }
        Command::Seed { what: SeedCommand::Learners { count, cookies, tokens } } => {
            let started = std::time::Instant::now();
            seed::learners::load(&db, count as usize, &cookies, tokens.as_deref())
                .await
                .map_err(|e| format!("seeding failed: {e}"))?;
            println!("{count} signed-in learners added in {:.1?}", started.elapsed());
        }
        Command::Seed { what: SeedCommand::Demo } => {
            let today = Utc::now().with_timezone(&config.timezone).date_naive();
            let (courses, sessions) =
                seed::demo::load(&db, config.timezone, today).await.map_err(|e| format!("seeding failed: {e}"))?;
            println!("demo catalogue: {courses} courses and {sessions} sessions added");
            demo_accounts(&config, &db).await?;
            catalogue_changed(&db).await;
        }
        Command::Seed { what: SeedCommand::Jobs { count } } => {
            let started = std::time::Instant::now();
            seed::jobs::noop(&db, count as usize).await.map_err(|e| format!("queueing failed: {e}"))?;
            println!("{count} no-op jobs queued in {:.1?}", started.elapsed());
        }
        Command::CreateAdmin { email, name } => create_admin(config, db.clone(), &email, &name).await?,
        Command::Seed { what: SeedCommand::Bench { courses } } => {
            let started = std::time::Instant::now();
            let (courses, sessions) =
                seed::bench::load(&db, courses as usize).await.map_err(|e| format!("seeding failed: {e}"))?;
            println!("bench catalogue: {courses} courses and {sessions} sessions added in {:.1?}", started.elapsed());
            catalogue_changed(&db).await;
        }
        Command::Serve => serve(config, db.clone()).await?,
        Command::Worker { drain: false } => {
            let domain = lyceum::server::Domain::new(&config, &db);
            let worker = start_worker(&config, db.clone(), &domain)?;
            shutdown_signal().await;
            worker.stop().await;
        }
        Command::Worker { drain: true } => {
            let domain = lyceum::server::Domain::new(&config, &db);
            let registry = domain.jobs(mailer(&config)?);
            let worker = Worker::new(db.clone(), registry, WorkerConfig::default());
            let started = std::time::Instant::now();
            let ran = worker.run_until_idle().await;
            let seconds = started.elapsed().as_secs_f64();
            println!("{ran} jobs run in {seconds:.2}s ({:.0}/s)", ran as f64 / seconds.max(1e-9));
        }
    }
    db.close().await;
    Ok(())
}

/// Connects and migrates: every command needs an up-to-date schema.
async fn open(config: &Config) -> Result<Db, String> {
    let lock = startup_lock(&config.database_url).await?;
    let db = Db::connect(&config.database_url, config.db_max_connections).await.map_err(|e| {
        format!("cannot open the database ({}): {e}", lyceum::server::config::redact_url(&config.database_url))
    })?;
    db.migrate().await.map_err(|e| format!("database migration failed: {e}"))?;
    drop(lock);
    Ok(db)
}

/// The database's start-up lock: instances started together migrate and
/// seed one after the other, each finding the others' work done.
async fn startup_lock(url: &str) -> Result<lyceum::server::db::StartupLock, String> {
    lyceum::server::db::StartupLock::take(url).await.map_err(|e| {
        format!("cannot take the start-up lock of the database ({}): {e}", lyceum::server::config::redact_url(url))
    })
}

/// Refuses to go on with a secret other than the one the database's data
/// is written with (see `server::fingerprint`): what this instance sealed
/// the others could not open, nor it theirs.
async fn same_secret_as_the_database(config: &Config, db: &Db) -> Result<(), String> {
    use lyceum::server::{config::Mode, fingerprint};
    let Some(secret) = config.secret.as_ref() else { return Ok(()) };
    let verdict = fingerprint::check(db, secret, &config.previous_secrets)
        .await
        .map_err(|e| format!("cannot read the secret's fingerprint from the database: {e}"))?;
    match verdict {
        fingerprint::Verdict::Matches => {}
        fingerprint::Verdict::Recorded => info!("the secret's fingerprint is recorded in the database"),
        fingerprint::Verdict::Rotated => info!("secret rotated: the database now records the new secret's fingerprint"),
        fingerprint::Verdict::Mismatch => {
            let mut message = "setting LYCEUM_SECRET does not match the secret this database was written with; \
                               set LYCEUM_SECRET (and LYCEUM_PREVIOUS_SECRETS after a rotation) to the same value \
                               on every instance"
                .to_string();
            if config.mode == Mode::Development {
                // Each working directory makes its own secret when none is set.
                message.push_str(&format!(
                    " (in development, a second instance needs the first one's {DEVELOPMENT_SECRET} as LYCEUM_SECRET)"
                ));
            }
            return Err(message);
        }
    }
    Ok(())
}

async fn serve(config: Config, db: Db) -> Result<(), String> {
    let lock = startup_lock(&config.database_url).await?;
    if config.demo_data && seed::catalogue_is_empty(&db).await.map_err(|e| e.to_string())? {
        let today = Utc::now().with_timezone(&config.timezone).date_naive();
        let (courses, sessions) = seed::demo::load(&db, config.timezone, today)
            .await
            .map_err(|e| format!("loading demo data failed: {e}"))?;
        info!(courses, sessions, "empty database: demo catalogue loaded");
        catalogue_changed(&db).await;
        let accounts = demo_accounts(&config, &db).await?;
        announce_demo_data(courses, sessions, &accounts);
    }
    let leptos = leptos_options(&config)?;
    let addr = config.addr;
    let state = AppState::new(config, db, leptos);
    // A new database takes its contact details and holidays from the
    // environment and the bundled calendar; after that they are data.
    state.catalogue.fill_academy().await.map_err(|e| format!("filling the academy's settings failed: {e}"))?;
    drop(lock);
    let app = http::router(state.clone());
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let operators = match state.config.ops_addr {
        Some(ops_addr) => {
            let listener = tokio::net::TcpListener::bind(ops_addr)
                .await
                .map_err(|e| format!("cannot listen on {ops_addr} (LYCEUM_OPS_ADDR): {e}"))?;
            info!(%ops_addr, "metrics, health and readiness for operators on http://{ops_addr}");
            let router = http::operator_router(state.clone());
            Some(tokio::spawn(async move { axum::serve(listener, router).await }))
        }
        None => {
            if state.config.metrics_token.is_none() {
                info!("/metrics is not served: set LYCEUM_OPS_ADDR or LYCEUM_METRICS_TOKEN to read it");
            }
            None
        }
    };
    let worker = if state.config.run_worker {
        Some(start_worker(&state.config, state.db.clone(), &state.domain)?)
    } else {
        None
    };
    // Other instances' writes, heard through PostgreSQL (none on SQLite).
    let cache_notices = state.catalogue.listen(&state.db);
    tokio::spawn(state.lifecycle.clone().watch());
    info!(%addr, "Lyceum is serving on http://{addr}");
    if state.config.mode == lyceum::server::config::Mode::Development {
        // Loud on purpose: development shows every message sent, reset
        // links included, at /dev/mailbox (to this machine only).
        warn!(
            "DEVELOPMENT MODE: mail goes to the development mailbox at /dev/mailbox, open to this machine \
             only. Set LYCEUM_MODE=production (with LYCEUM_SECRET and SMTP_URL) for a real academy."
        );
        eprintln!(
            "\n  *** Lyceum is running in DEVELOPMENT mode: not for a real academy. ***\n  \
             Mail is kept in the development mailbox (http://{addr}/dev/mailbox, from this machine only).\n  \
             For production set LYCEUM_MODE=production, LYCEUM_SECRET and SMTP_URL.\n"
        );
    }
    // The peer address feeds rate limits, the audit trail and the session list.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let (grace_over, mut grace_ended) = tokio::sync::oneshot::channel::<()>();
    let draining = {
        let lifecycle = state.lifecycle.clone();
        let grace = state.config.shutdown_grace;
        async move {
            shutdown_signal().await;
            // A second signal means now, whatever is still running.
            tokio::spawn(async {
                signalled().await;
                error!("second signal: stopping at once");
                std::process::exit(1);
            });
            lifecycle.drain();
            info!(grace_secs = grace.as_secs(), "draining: /readyz answers 503 while requests are still served");
            tokio::time::sleep(grace).await;
            info!("no longer accepting connections: finishing the requests and jobs in hand");
            let _ = grace_over.send(());
        }
    };
    let mut server = tokio::spawn(axum::serve(listener, app).with_graceful_shutdown(draining).into_future());
    // Until the grace period is over (or the server fails on its own)...
    let ended_early = tokio::select! {
        joined = &mut server => Some(joined),
        _ = &mut grace_ended => None,
    };
    // ...then in-flight requests and running jobs get the shutdown timeout.
    let deadline = tokio::time::Instant::now() + state.config.shutdown_timeout;
    let requests = async {
        match ended_early {
            Some(joined) => joined,
            None => match tokio::time::timeout_at(deadline, &mut server).await {
                Ok(joined) => joined,
                Err(_) => {
                    warn!("requests still running at the shutdown timeout were cut off");
                    server.abort();
                    Ok(Ok(()))
                }
            },
        }
    };
    let jobs = async {
        if let Some(worker) = worker
            && tokio::time::timeout_at(deadline, worker.stop()).await.is_err()
        {
            warn!("jobs still running at the shutdown timeout were left to their leases (another worker resumes them)");
        }
    };
    let (served, ()) = tokio::join!(requests, jobs);
    if let Some(listener) = cache_notices {
        listener.stop().await;
    }
    if let Some(operators) = operators {
        operators.abort();
    }
    served.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    info!("stopped");
    Ok(())
}

/// Tells the instances serving this database that its catalogue was loaded
/// behind their backs (see `cache_notices`); one that does not hear it
/// still shows the change within `LYCEUM_CACHE_TTL_SECS`.
async fn catalogue_changed(db: &Db) {
    if let Err(error) = cache_notices::announce(db, &cache_notices::Instance::random()).await {
        warn!(%error, "could not tell running instances that the catalogue changed");
    }
}

/// Where a development server keeps the secret it made up (see `LYCEUM_SECRET`).
const DEVELOPMENT_SECRET: &str = "data/secret";

/// The accounts side of the app, for the commands that make accounts.
fn accounts(config: &Config, db: &Db) -> lyceum::server::accounts::Accounts {
    lyceum::server::Domain::new(config, db).accounts
}

/// Says, loudly, that the database now holds the demo academy: its demo
/// staff account can open the back office, which a real academy must not
/// find there by surprise.
fn announce_demo_data(courses: usize, sessions: usize, accounts: &[&str]) {
    let accounts = if accounts.is_empty() { "none (they existed already)".to_string() } else { accounts.join(", ") };
    eprintln!(
        "\n  *** DEMO DATA: the database was empty, so Lyceum loaded the demo academy into it. ***\n  \
         {courses} demo courses with {sessions} sessions, with demo learners (@learners.lyceum.example).\n  \
         Demo accounts created: {accounts}.\n  \
         Not for a real academy. To start without it, set LYCEUM_DEMO_DATA=false and use an empty database\n  \
         (production loads it only with LYCEUM_DEMO_DATA=true).\n"
    );
}

/// The demo learner and staff accounts, by address. A generated password
/// is shown here, once, on the terminal: never in the log.
async fn demo_accounts(config: &Config, db: &Db) -> Result<Vec<&'static str>, String> {
    let created = seed::accounts::demo(
        &accounts(config, db),
        config.demo_learner_password.as_ref(),
        config.demo_staff_password.as_ref(),
    )
    .await
    .map_err(|e| format!("creating the demo accounts failed: {e}"))?;
    for account in &created {
        info!(email = account.email, role = account.role.as_str(), "demo account created");
        if let Some(password) = &account.generated_password {
            println!("demo {} account: {}  password: {password}  (shown once)", account.role.as_str(), account.email);
        }
    }
    Ok(created.iter().map(|account| account.email).collect())
}

async fn create_admin(config: Config, db: Db, email: &str, name: &str) -> Result<(), String> {
    use std::io::{BufRead, IsTerminal};
    let (password, generated) = if std::io::stdin().is_terminal() {
        (seed::accounts::generate_password(), true)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    };
    let created = accounts(&config, &db)
        .create_confirmed(email, name, &password, lyceum::model::account::Role::Admin)
        .await
        .map_err(|e| match e {
            lyceum::server::error::Error::Refused(lyceum::error::AppError::Invalid(errors)) => {
                let problems: Vec<String> =
                    errors.iter().map(|e| format!("{}: {}", e.field.key(), e.problem.message())).collect();
                format!("the account was not created: {}", problems.join(" "))
            }
            other => format!("the account was not created: {other}"),
        })?;
    match created {
        None => return Err(format!("an account with the address {email} already exists")),
        Some(_) if generated => println!("administrator {email} created; password: {password}  (shown once)"),
        Some(_) => println!("administrator {email} created"),
    }
    Ok(())
}

/// A job worker running in this process.
struct RunningWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningWorker {
    /// Claims nothing more and waits for the running jobs to finish.
    async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            error!(error = %e, "the job worker stopped abnormally");
        }
    }
}

/// Every kind of job this process runs, with what each needs.
/// How this process delivers mail, as configured.
fn mailer(config: &Config) -> Result<mail::Mailer, String> {
    mail::Mailer::from_config(config).map_err(|e| e.to_string())
}

fn start_worker(config: &Config, db: Db, domain: &lyceum::server::Domain) -> Result<RunningWorker, String> {
    // Connections of its own, so a rush of requests cannot stall its leases.
    let db = db.budget(lyceum::server::Budgets::WORKER);
    let worker = Worker::new(db, domain.jobs(mailer(config)?), WorkerConfig::default());
    let (stop, stopped) = watch::channel(false);
    Ok(RunningWorker { stop, task: tokio::spawn(worker.run(stopped)) })
}

/// Leptos's own settings (site root, output name, hashed file names), from
/// the variables cargo-leptos sets, with defaults for a release build run
/// from the project folder.
fn leptos_options(config: &Config) -> Result<leptos::config::LeptosOptions, String> {
    let mut options =
        leptos::config::get_configuration(None).map_err(|e| format!("leptos settings: {e}"))?.leptos_options;
    options.site_addr = config.addr;
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        // cargo-leptos writes hash.txt beside the binary when it hashes file names.
        let beside_exe =
            std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(&*options.hash_file)));
        options.hash_files = beside_exe.is_some_and(|path| path.exists());
    }
    Ok(options)
}

/// Waits for SIGTERM or Ctrl-C.
async fn signalled() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

async fn shutdown_signal() {
    signalled().await;
    info!("shutting down");
}
