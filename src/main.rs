//! The `lyceum` binary: serve the site (the default) or run an operator
//! command. Configuration comes from the environment and `.env`; see the
//! README for every setting.

use chrono::Utc;
use clap::{Parser, Subcommand};
use lyceum::server::{AppState, config::Config, db::Db, http, seed, telemetry};
use std::process::ExitCode;
use tracing::{error, info};

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
    /// Apply pending database migrations and exit.
    Migrate,
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
    let config = match Config::from_env() {
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

async fn run(command: Command, config: Config) -> Result<(), String> {
    let db = open(&config).await?;
    match command {
        Command::Migrate => info!("migrations applied"),
        Command::Seed { what: SeedCommand::Demo } => {
            let today = Utc::now().with_timezone(&config.timezone).date_naive();
            let (courses, sessions) =
                seed::demo::load(&db, config.timezone, today).await.map_err(|e| format!("seeding failed: {e}"))?;
            println!("demo catalogue: {courses} courses and {sessions} sessions added");
        }
        Command::Seed { what: SeedCommand::Bench { courses } } => {
            let started = std::time::Instant::now();
            let (courses, sessions) =
                seed::bench::load(&db, courses as usize).await.map_err(|e| format!("seeding failed: {e}"))?;
            println!("bench catalogue: {courses} courses and {sessions} sessions added in {:.1?}", started.elapsed());
        }
        Command::Serve => serve(config, db.clone()).await?,
    }
    db.close().await;
    Ok(())
}

/// Connects and migrates: every command needs an up-to-date schema.
async fn open(config: &Config) -> Result<Db, String> {
    let db = Db::connect(&config.database_url, config.db_max_connections).await.map_err(|e| {
        format!("cannot open the database ({}): {e}", lyceum::server::config::redact_url(&config.database_url))
    })?;
    db.migrate().await.map_err(|e| format!("database migration failed: {e}"))?;
    Ok(db)
}

async fn serve(config: Config, db: Db) -> Result<(), String> {
    if config.demo_data && seed::catalogue_is_empty(&db).await.map_err(|e| e.to_string())? {
        let today = Utc::now().with_timezone(&config.timezone).date_naive();
        let (courses, sessions) = seed::demo::load(&db, config.timezone, today)
            .await
            .map_err(|e| format!("loading demo data failed: {e}"))?;
        info!(courses, sessions, "empty database: demo catalogue loaded");
    }
    let leptos = leptos_options(&config)?;
    let addr = config.addr;
    let state = AppState::new(config, db, leptos);
    let app = http::router(state);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    info!(%addr, "Lyceum is serving on http://{addr}");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.map_err(|e| e.to_string())?;
    info!("stopped");
    Ok(())
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

async fn shutdown_signal() {
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
    info!("shutting down");
}
