//! The API's OpenAPI document: valid OpenAPI 3.1 by an independent
//! validator (openapi-spec-validator, from PyPI), and the same set of
//! operations as the server answers: every documented operation is
//! served, and every path the product lists is either documented and
//! served or neither.

use crate::helpers::{TestApp, TestResponse, python_check};
use axum::body::Body;
use axum::http::Request;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

async fn call(app: &TestApp, method: &str, uri: &str) -> TestResponse {
    let request = Request::builder().method(method).uri(uri).header("content-type", "application/json");
    let body = if method == "GET" || method == "DELETE" { Body::empty() } else { Body::from("{}") };
    app.request(request.body(body).unwrap()).await
}

/// The document's path with each parameter filled in.
fn concrete(path: &str) -> String {
    path.split('/').map(|part| if part.starts_with('{') { "1" } else { part }).collect::<Vec<_>>().join("/")
}

fn kind(res: &TestResponse) -> String {
    serde_json::from_str::<serde_json::Value>(&res.body)
        .ok()
        .and_then(|body| body["type"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Whether the server has a handler for the method and path.
fn served(res: &TestResponse) -> bool {
    res.status != 405 && kind(res) != "/api/problems/no-such-endpoint"
}

#[tokio::test]
async fn the_document_is_valid_openapi_and_lists_exactly_what_is_served() {
    let app = TestApp::empty().await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.header("content-type").unwrap_or_default().starts_with("application/json"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &res.body).unwrap();
    let checked = python_check("check_openapi.py", &[file.to_str().unwrap()]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(checked["openapi"], "3.1.0");
    let operations: Vec<(String, String)> = checked["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| (op[0].as_str().unwrap().to_string(), op[1].as_str().unwrap().to_string()))
        .collect();
    assert!(operations.len() >= 10, "{operations:?}");

    // Every documented operation is answered by a handler; every other
    // method on its path is a 405 naming the documented ones.
    for (method, path) in &operations {
        assert!(path.starts_with("/api/v1/"), "{path}");
        let res = call(&app, method, &concrete(path)).await;
        assert!(served(&res), "{method} {path} is documented but not served: {} {}", res.status, res.body);
        assert_ne!(res.status, 500, "{method} {path}: {}", res.body);
    }
    for path in operations.iter().map(|(_, p)| p).collect::<std::collections::BTreeSet<_>>() {
        let documented: Vec<&str> = operations.iter().filter(|(_, p)| p == path).map(|(m, _)| m.as_str()).collect();
        for method in METHODS.iter().filter(|m| !documented.contains(m)) {
            let res = call(&app, method, &concrete(path)).await;
            assert_eq!(res.status, 405, "{method} {path} is served but not documented: {}", res.body);
            let allow = res.header("allow").unwrap_or_default().to_string();
            assert!(documented.iter().all(|m| allow.contains(m)), "{path}: Allow {allow} vs {documented:?}");
            assert_eq!(kind(&res), "/api/problems/method-not-allowed");
        }
    }

    // The paths the product lists: documented exactly when served.
    let listed = [
        ("GET", "/api/v1/courses"),
        ("GET", "/api/v1/courses/{slug}"),
        ("GET", "/api/v1/sessions"),
        ("GET", "/api/v1/sessions/{id}"),
        ("GET", "/api/v1/certificates/{code}"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/me/enrollments"),
        ("POST", "/api/v1/sessions/{id}/enrollments"),
        ("DELETE", "/api/v1/enrollments/{id}"),
        ("POST", "/api/v1/enrollments"),
        ("PATCH", "/api/v1/enrollments/{id}"),
        ("POST", "/api/v1/courses"),
        ("PATCH", "/api/v1/courses/{slug}"),
        ("DELETE", "/api/v1/courses/{slug}"),
        ("POST", "/api/v1/sessions"),
        ("PATCH", "/api/v1/sessions/{id}"),
        ("DELETE", "/api/v1/sessions/{id}"),
        ("GET", "/api/v1/openapi.json"),
    ];
    for (method, path) in listed {
        let documented = operations.iter().any(|(m, p)| m == method && p == path);
        let res = call(&app, method, &concrete(path)).await;
        assert_eq!(served(&res), documented, "{method} {path}: documented {documented}, answered {}", res.status);
    }
    let res = app.get("/api/v1/no-such-thing").await;
    assert_eq!((res.status, kind(&res).as_str()), (404, "/api/problems/no-such-endpoint"));
}

#[tokio::test]
async fn every_operation_is_described_with_its_scopes_answers_and_errors() {
    let app = TestApp::empty().await;
    let doc: serde_json::Value = serde_json::from_str(&app.get("/api/v1/openapi.json").await.body).unwrap();
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!((scheme["type"].as_str(), scheme["scheme"].as_str()), (Some("http"), Some("bearer")));
    let problem = &doc["components"]["schemas"]["Problem"];
    assert!(problem["properties"]["type"].is_object() && problem["example"].is_object(), "{problem}");
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has an operationId"));
            assert!(ids.insert(id.to_string()), "{id} twice");
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{id} has a summary");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{id} has a tag");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|status| status.starts_with('2')), "{id} answers a success");
            for status in ["400", "429", "500", "503"] {
                assert!(responses.contains_key(status), "{id} documents {status}");
            }
            let secured = op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            assert!(op["security"].is_array(), "{id} says who may call it");
            assert_eq!(secured, responses.contains_key("401"), "{id}: a guarded operation documents 401");
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{id} documents 404");
            }
            if op["requestBody"].is_object() {
                for status in ["413", "415", "422"] {
                    assert!(responses.contains_key(status), "{id} documents {status}");
                }
            }
        }
    }
    let enrol = &doc["paths"]["/api/v1/sessions/{id}/enrollments"]["post"];
    assert_eq!(enrol["security"][0]["bearer"][0], "enrollments:write");
    let body = &doc["components"]["schemas"]["EnrolmentRequest"];
    assert!(body["example"]["billing"].is_string(), "the request has an example: {body}");
    assert_eq!(doc["paths"]["/api/v1/me/enrollments"]["get"]["security"][0]["bearer"][0], "enrollments:read");
}

#[tokio::test]
async fn the_reference_page_is_rendered_from_the_document_on_the_server() {
    let app = TestApp::empty().await;
    let doc: serde_json::Value = serde_json::from_str(&app.get("/api/v1/openapi.json").await.body).unwrap();
    let page = app.get("/api/docs").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let html = scraper::Html::parse_document(&page.body);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    let title = html.select(&select("title")).next().map(|t| t.text().collect::<String>());
    assert_eq!(title.as_deref(), Some("REST API reference · Lyceum"));
    // Every operation has its section, by its id, with its method and path.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let section =
                html.select(&select(&format!("section#{id}"))).next().unwrap_or_else(|| panic!("{id} is on the page"));
            let heading: String = section.select(&select("h3")).next().unwrap().text().collect();
            assert_eq!(heading, format!("{} {path}", method.to_uppercase()));
        }
    }
    // Every type has its entry, and a field's type links to it.
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(html.select(&select(&format!("#schema-{name}"))).next().is_some(), "{name} is on the page");
    }
    let links: Vec<String> =
        html.select(&select("#schema-Session a")).filter_map(|a| a.value().attr("href").map(str::to_string)).collect();
    assert!(links.contains(&"#schema-Mode".to_string()), "{links:?}");
    let enrol: String = html.select(&select("section#enrol .api-access")).next().unwrap().text().collect();
    assert_eq!(enrol, "Needs a token with enrollments:write.");
    // The Markdown of the descriptions becomes markup, never shown as text.
    assert!(!page.body.contains("`Idempotency-Key`"), "code spans are rendered");
    assert!(html.select(&select("section#enrol code")).any(|c| c.text().collect::<String>() == "Idempotency-Key"));
}
