//! Logging, in a test binary of its own: tracing decides per call site,
//! process-wide, whether anyone listens, so a subscriber installed by one
//! test races with other tests' threads. Alone in its process, it does not.

#[path = "integration/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use axum::{body::Body, http::Request};
use helpers::TestApp;

/// Collects what the test's subscriber writes.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_one_line_per_request_with_its_id_and_route() {
    let app = TestApp::demo().await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let res = app
        .request(
            Request::get("/courses/no-such-course?secret=hunter2")
                .header("x-request-id", "req-42")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    drop(guard);
    assert_eq!(res.status, 404);
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let finished: Vec<_> = lines.iter().filter(|l| l["fields"]["message"] == "request finished").collect();
    assert_eq!(finished.len(), 1, "{text}");
    let line = finished[0];
    assert_eq!(line["fields"]["status"], 404);
    assert!(line["fields"]["latency_ms"].as_f64().is_some());
    assert_eq!(line["span"]["request_id"], "req-42");
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["route"], "/courses/{slug}");
    assert!(lines.iter().all(|l| l["span"]["request_id"] == "req-42"), "every line carries the request id: {text}");
    assert!(!text.contains("hunter2"), "query strings are not logged");
}
