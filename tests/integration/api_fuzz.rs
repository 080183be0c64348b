//! Schemathesis (from PyPI) against the API served on loopback: it reads
//! the OpenAPI document, makes requests from it (valid ones and broken
//! ones), and fails on any 5xx and on any answer the document does not
//! describe (its status, content type, headers or body). It runs
//! anonymously and with a token of each scope, bounded in examples per
//! operation and in time.

use crate::api::token;
use crate::enrolment::people;
use crate::helpers::TestApp;
use lyceum::model::account::Role;
use std::time::Duration;

/// Examples per operation and run, and the most a run may take.
const EXAMPLES: &str = "25";
const RUN_LIMIT: Duration = Duration::from_secs(240);

/// Runs schemathesis once: how many cases it generated, or its output when
/// it found something.
fn schemathesis(document: &str, token: Option<&str>) -> Result<u64, String> {
    let python = std::env::var("LYCEUM_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let program = std::path::Path::new(&python).with_file_name("schemathesis");
    let reports = tempfile::tempdir().expect("a folder for its reports");
    let mut command = std::process::Command::new(&program);
    command
        .args(["run", document, "--max-examples", EXAMPLES, "--workers", "2", "--seed", "7", "--no-color"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance,response_headers_conformance",
        ])
        .args(["--generation-database", "none", "--request-timeout", "10", "--suppress-health-check", "all"])
        .arg("--report-dir")
        .arg(reports.path())
        .env("SCHEMATHESIS_HOOKS", "")
        // Its cache of crashes goes in the folder of its reports, not the working tree.
        .current_dir(reports.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(token) = token {
        command.args(["--header", &format!("Authorization: Bearer {token}")]);
    }
    let mut child =
        command.spawn().unwrap_or_else(|e| panic!("{} runs (scripts/test installs it): {e}", program.display()));
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().expect("schemathesis runs").is_some() {
            break;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = child.wait_with_output().expect("its output");
    let text = format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    // "Test cases:\n  888 generated, 888 passed"
    let generated = text
        .lines()
        .find_map(|line| line.trim().split_once(" generated").and_then(|(n, _)| n.trim().parse::<u64>().ok()));
    match (output.status.success(), generated) {
        (true, Some(generated)) => Ok(generated),
        _ => Err(text),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schemathesis_finds_no_server_error_and_no_answer_the_document_does_not_describe() {
    // The fuzzer sends far more than a partner's allowance a minute.
    let app = TestApp::with_settings(&[("LYCEUM_RATE_LIMITS", "false")]).await;
    let tz = app.state.config.timezone;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    lyceum::server::seed::demo::load(&app.state.db, tz, today).await.expect("demo data loads");
    let addr = app.serve().await;
    let learner = people(&app, "fuzz", 1, Role::Learner).await.remove(0);
    let staff = people(&app, "fuzz-staff", 1, Role::Staff).await.remove(0);
    let tokens = [
        None,
        Some(token(&app, &learner, &["enrollments:read"]).await),
        Some(token(&app, &learner, &["enrollments:write"]).await),
        Some(token(&app, &staff, &["enrollments:manage", "catalogue:write"]).await),
    ];
    let document = format!("http://{addr}/api/v1/openapi.json");
    for (token, who) in tokens.into_iter().zip(["anonymous", "enrollments:read", "enrollments:write", "staff"]) {
        let document = document.clone();
        let found = tokio::task::spawn_blocking(move || schemathesis(&document, token.as_deref())).await.unwrap();
        match found {
            Ok(generated) => {
                assert!(generated >= 100, "{who}: only {generated} cases");
                println!("schemathesis, {who}: {generated} cases, every answer as documented");
            }
            Err(report) => panic!("schemathesis ({who}) found answers outside the document:\n{report}"),
        }
    }
}
