//! The OpenAPI document: kept in `openapi.json`, complete against the routes the app really
//! registers and against API.md, every operation with its errors and examples; and the docs
//! page served without any external host.
//!
//! Regenerate `openapi.json` after changing a handler's annotation or a DTO:
//! `RAMPFLOW_WRITE_OPENAPI=1 cargo test --test api openapi::`

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use actix_web::dev::{ResourceMap, Service};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{test as actix_test, App};
use regex::Regex;
use serde_json::Value;

use crate::helpers::spawn_app;

const REGENERATE: &str = "RAMPFLOW_WRITE_OPENAPI=1 cargo test --test api openapi::";

fn spec() -> Value {
    serde_json::from_str(&rampflow::http::openapi::spec_json()).expect("the spec is JSON")
}

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(method, path, operation)` of every operation in the spec.
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            if METHODS.contains(&method.as_str()) {
                found.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{reference} is not a local reference"));
            let target = spec
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} does not resolve"));
            resolve(spec, target)
        }
        None => value,
    }
}

#[test]
fn committed_openapi_json_is_the_generated_one() {
    let generated = rampflow::http::openapi::spec_json() + "\n";
    let path = committed_path();
    if std::env::var("RAMPFLOW_WRITE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).expect("openapi.json is written");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "the lengths differ".to_owned(),
                |n| format!("first difference at line {}", n + 1),
            );
        panic!(
            "{} is not the document the code generates ({line}). Regenerate it with\n    {REGENERATE}\nand commit it.",
            path.display()
        );
    }
}

/// API.md's paths (pricing and quotes are not built yet).
const CONTRACT: &[(&str, &str)] = &[
    ("post", "/v1/admin/wallets"),
    ("get", "/v1/admin/wallets"),
    ("post", "/v1/admin/partners"),
    ("get", "/v1/admin/partners"),
    ("post", "/v1/admin/wallets/{id}/rotate-key"),
    ("post", "/v1/admin/partners/{id}/rotate-key"),
    ("get", "/v1/ops/stats"),
    ("put", "/v1/users/{user_ref}"),
    ("get", "/v1/users/{user_ref}"),
    ("delete", "/v1/users/{user_ref}"),
    ("get", "/v1/users/{user_ref}/grants"),
    ("put", "/v1/users/{user_ref}/grants/{partner_id}"),
    ("delete", "/v1/users/{user_ref}/grants/{partner_id}"),
    ("get", "/v1/users/{user_ref}/access-log"),
    ("post", "/v1/orders"),
    ("get", "/v1/orders"),
    ("get", "/v1/orders/{id}"),
    ("get", "/v1/orders/{id}/user"),
    ("post", "/v1/orders/{id}/accept"),
    ("post", "/v1/orders/{id}/reject"),
    ("post", "/v1/orders/{id}/cancel"),
    ("post", "/v1/orders/{id}/funds-sent"),
    ("post", "/v1/orders/{id}/funds-received"),
    ("post", "/v1/orders/{id}/complete"),
    ("post", "/v1/orders/{id}/fail"),
    ("post", "/v1/orders/{id}/refund"),
    ("post", "/v1/webhook-endpoints"),
    ("get", "/v1/webhook-endpoints"),
    ("delete", "/v1/webhook-endpoints/{id}"),
    ("post", "/v1/webhook-endpoints/{id}/rotate-secret"),
    ("get", "/v1/events"),
    ("get", "/v1/events/{id}"),
    ("post", "/v1/events/{id}/redeliver"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
];

/// Operations anyone may call: no key, so no 401 or 403 either.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
    ("get", "/docs/{file}"),
];

#[test]
fn the_spec_is_openapi_3_1_and_covers_the_contract() {
    let spec = spec();
    assert!(
        spec["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        spec["openapi"]
    );
    assert_eq!(spec["info"]["title"], "rampflow");
    assert_eq!(spec["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(spec.get("servers").is_none(), "servers are left out");
    let bearer = &spec["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    for (method, path) in CONTRACT {
        assert!(
            spec["paths"][path][method].is_object(),
            "API.md's {} {path} is not in the spec",
            method.to_uppercase()
        );
    }
    let money = &spec["components"]["schemas"]["Amount"];
    assert_eq!(money["type"], "string");
    assert_eq!(money["format"], "decimal");
    assert!(money["pattern"].is_string());
    assert_eq!(
        spec["components"]["schemas"]["Timestamp"]["format"],
        "date-time"
    );
    assert_eq!(spec["components"]["schemas"]["OrderId"]["format"], "uuid");
}

/// Every `$ref` in the document resolves.
#[test]
fn every_reference_resolves() {
    fn walk(spec: &Value, value: &Value) {
        match value {
            Value::Object(map) => {
                if map.contains_key("$ref") {
                    resolve(spec, value);
                }
                map.values().for_each(|v| walk(spec, v));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(spec, v)),
            _ => {}
        }
    }
    let spec = spec();
    walk(&spec, &spec);
}

fn has_example(media: &Value) -> bool {
    media.get("example").is_some()
        || media
            .get("examples")
            .and_then(Value::as_object)
            .is_some_and(|e| !e.is_empty())
}

fn is_error_envelope(spec: &Value, response: &Value) -> bool {
    response["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody"
        && has_example(&response["content"]["application/json"])
        && resolve(spec, &response["content"]["application/json"]["schema"])["properties"]["error"]
            .is_object()
}

/// Every operation: a unique `operationId`, a summary, examples for its request body and
/// every JSON or text response, and every error response in the shared envelope with an
/// example. Operations that need a key document 401 and the 4xx of their role check; a body
/// brings 400, 413 and 422.
#[test]
fn every_operation_documents_its_errors_with_examples() {
    let spec = spec();
    let mut operation_ids = BTreeSet::new();
    let mut problems = Vec::new();
    for (method, path, operation) in operations(&spec) {
        let name = format!("{} {path}", method.to_uppercase());
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if id.is_empty() || !operation_ids.insert(id.clone()) {
            problems.push(format!("{name}: missing or duplicate operationId {id:?}"));
        }
        if operation["summary"].as_str().unwrap_or_default().is_empty() {
            problems.push(format!("{name}: no summary"));
        }
        if let Some(body) = operation.get("requestBody") {
            if !has_example(&body["content"]["application/json"]) {
                problems.push(format!("{name}: the request body has no example"));
            }
        }
        let responses = operation["responses"].as_object().expect("responses");
        let mut statuses = BTreeSet::new();
        for (status, response) in responses {
            let response = resolve(&spec, response);
            let code: u16 = status.parse().expect("explicit status codes");
            statuses.insert(code);
            let content = response["content"].as_object().cloned().unwrap_or_default();
            if code >= 400 {
                // Readiness answers 503 with its report; metrics with plain text.
                let is_exception = code == 503 && (path == "/readyz" || path == "/metrics");
                if !is_exception && !is_error_envelope(&spec, response) {
                    problems.push(format!(
                        "{name}: {status} does not use the ErrorBody envelope with an example"
                    ));
                }
            }
            for (media_type, media) in &content {
                let wants_example =
                    media_type.contains("json") || media_type.starts_with("text/plain");
                let schema = resolve(&spec, &media["schema"]);
                let schema_has_example =
                    schema.get("examples").is_some() || schema.get("example").is_some();
                if wants_example && !has_example(media) && !schema_has_example {
                    problems.push(format!("{name}: {status} {media_type} has no example"));
                }
            }
        }
        if !statuses.iter().any(|s| (200..300).contains(s)) {
            problems.push(format!("{name}: no success response"));
        }
        let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        if public {
            if secured {
                problems.push(format!("{name}: public, yet asks for a key"));
            }
            continue;
        }
        if !secured {
            problems.push(format!("{name}: no bearer security requirement"));
        }
        let four_xx = responses
            .iter()
            .filter(|(s, _)| s.starts_with('4'))
            .filter(|(_, r)| is_error_envelope(&spec, resolve(&spec, r)))
            .count();
        if four_xx == 0 {
            problems.push(format!("{name}: no 4xx response with the error envelope"));
        }
        for required in [401, 403, 429, 500] {
            if !statuses.contains(&required) {
                problems.push(format!("{name}: {required} is not documented"));
            }
        }
        if operation.get("requestBody").is_some() {
            for required in [400, 413, 422] {
                if !statuses.contains(&required) {
                    problems.push(format!(
                        "{name}: has a body but {required} is not documented"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Routes against the spec.

/// A concrete path for a pattern: each `{…}` segment becomes `x`.
fn instantiate(pattern: &str) -> String {
    Regex::new(r"\{[^/]*\}")
        .unwrap()
        .replace_all(pattern, "x")
        .into_owned()
}

/// The routes `routes()` registers, with their methods, read back from actix itself.
///
/// actix keeps the registered patterns in the app's `ResourceMap`, whose only enumeration is its
/// `Debug` output. Every quoted string in it is a candidate pattern (scopes, resources, and
/// their segments); a full route is a chain of scope prefixes and a candidate that actix
/// itself matches to exactly that pattern (`match_pattern`). The count of edge nodes in the
/// map ("nodes: None") must equal the routes found, so a route this cannot see fails the test
/// rather than slipping through. Each route's methods come from its 405 `Allow` header.
async fn registered_routes() -> (ResourceMap, BTreeMap<String, BTreeSet<String>>) {
    let captured = std::rc::Rc::new(std::cell::RefCell::new(None));
    let sink = captured.clone();
    let app = actix_test::init_service(App::new().configure(rampflow::http::routes).wrap_fn(
        move |req, service| {
            *sink.borrow_mut() = Some(req.request().resource_map().clone());
            service.call(req)
        },
    ))
    .await;
    let probe = Method::from_bytes(b"PROBE").unwrap();
    let call = |method: Method, path: String| {
        let request = actix_test::TestRequest::default()
            .method(method)
            .uri(&path)
            .to_request();
        app.call(request)
    };
    let _ = call(probe.clone(), "/healthz".into()).await.unwrap();
    let map = captured
        .borrow()
        .clone()
        .expect("the resource map was seen");
    let debug = format!("{map:?}");

    let strings: BTreeSet<String> = Regex::new(r#""((?:[^"\\]|\\.)*)""#)
        .unwrap()
        .captures_iter(&debug)
        .map(|c| c[1].replace("\\\"", "\"").replace("\\\\", "\\"))
        .filter(|s| s.starts_with('/'))
        .collect();
    let prefixes: BTreeSet<String> =
        Regex::new(r#"patterns: Single\("((?:[^"\\]|\\.)*)"\), is_prefix: true"#)
            .unwrap()
            .captures_iter(&debug)
            .map(|c| c[1].to_owned())
            .collect();
    let edges = debug.matches("nodes: None").count();

    let mut routes = BTreeSet::new();
    let mut chains = vec![String::new()];
    for _depth in 0..4 {
        let mut next = Vec::new();
        for chain in &chains {
            for candidate in &strings {
                let full = format!("{chain}{candidate}");
                if map.match_pattern(&instantiate(&full)).as_deref() == Some(full.as_str()) {
                    routes.insert(full.clone());
                }
                if prefixes.contains(candidate) {
                    next.push(full);
                }
            }
        }
        chains = next;
    }
    assert!(
        routes.len() == edges && edges > 0,
        "found {} routes ({routes:?}) but actix has {edges} resources: this walk of the \
         ResourceMap missed some (a new nesting, or actix's Debug output changed)",
        routes.len()
    );

    let mut table = BTreeMap::new();
    for route in routes {
        let response = call(probe.clone(), instantiate(&route)).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{route} answers an unknown method with {}: every route must name its methods",
            response.status()
        );
        let allow = response
            .headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let methods: BTreeSet<String> = allow
            .split(',')
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| !m.is_empty())
            .collect();
        assert!(!methods.is_empty(), "{route} has no Allow header");
        table.insert(route, methods);
    }
    (map, table)
}

/// Every (method, route) the app registers is an operation of the spec, and every operation
/// of the spec is a (method, route) the app registers.
#[actix_web::test]
async fn every_route_is_in_the_spec_and_every_spec_path_is_a_route() {
    let (map, table) = registered_routes().await;
    for expected in [
        "/healthz",
        "/v1/orders/{id}/accept",
        "/openapi.json",
        "/docs",
    ] {
        assert!(
            table.contains_key(expected),
            "{expected} not found in {table:?}"
        );
    }

    let spec = spec();
    let mut documented: BTreeSet<(String, String)> = BTreeSet::new();
    let mut problems = Vec::new();
    for (method, path, _) in operations(&spec) {
        // Which route the documented path lands on, through actix's own matching.
        match map.match_pattern(&instantiate(&path)) {
            Some(route) if table.contains_key(&route) => {
                if !table[&route].contains(&method) {
                    problems.push(format!(
                        "the spec documents {} {path}, but {route} only takes {:?}",
                        method.to_uppercase(),
                        table[&route]
                    ));
                }
                documented.insert((method, route));
            }
            _ => problems.push(format!(
                "the spec documents {} {path}, which no route serves",
                method.to_uppercase()
            )),
        }
    }
    for (route, methods) in &table {
        for method in methods {
            if !documented.contains(&(method.clone(), route.clone())) {
                problems.push(format!(
                    "{} {route} is registered but not in the OpenAPI spec: annotate its handler \
                     with #[utoipa::path] and list it in ApiDoc",
                    method.to_uppercase()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The real server (with all its middleware) routes every documented operation: calling it
/// without a key is never "no such path" nor 405.
#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = spawn_app().await;
    for (method, path, _) in operations(&spec()) {
        let concrete = path
            .replace("{id}", "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10")
            .replace("{partner_id}", "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c")
            .replace("{user_ref}", "u-42")
            .replace("{file}", "index.css");
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = app.request(method.clone(), &concrete, None, None).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_ne!(
            status,
            reqwest::StatusCode::METHOD_NOT_ALLOWED,
            "{method} {concrete}"
        );
        assert!(
            !(status == reqwest::StatusCode::NOT_FOUND
                && body["error"]["message"] == "no such path"),
            "{method} {concrete} is not routed"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The docs page.

/// Hosts that appear in Swagger UI's scripts as text, never loaded by the page: XML
/// namespaces, JSON Schema and OpenAPI identifiers, links in comments and error messages,
/// examples in URL-parsing code, and the online validator, which the served config turns off
/// (`validatorUrl: "none"`). A new host here (a CDN, a font service) fails the test.
const HOSTS_NOT_LOADED: &[&str] = &[
    "www.w3.org",
    "json-schema.org",
    "spec.openapis.org",
    "datatracker.ietf.org",
    "www.rfc-editor.org",
    "github.com",
    "spdx.org",
    "swagger.io",
    "validator.swagger.io",
    "example.com",
    "fb.me",
    "reactjs.org",
    "redux.js.org",
    "vladimirgorej.com",
    "instagram.com",
    "twitter.com",
    "soundcloud.com",
    "www.facebook.com",
    "www.tiktok.com",
    "실례.com",
];

fn absolute_urls(text: &str) -> Vec<String> {
    Regex::new(r#"https?://[^\s"'`()<>\\]*"#)
        .unwrap()
        .find_iter(text)
        .map(|m| m.as_str().to_owned())
        .collect()
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    rest.split(['/', '?', '#', '$', '{'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_docs_load_nothing_from_another_host() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let fetch = |path: String| {
        let client = client.clone();
        let url = format!("{}{path}", app.address);
        async move {
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (content_type, response.text().await.unwrap())
        }
    };

    let (content_type, page) = fetch("/docs".into()).await;
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert_eq!(
        fetch("/docs/".into()).await.1,
        page,
        "/docs/ is the same page"
    );
    assert!(
        absolute_urls(&page).is_empty() && !page.contains("//cdn") && !page.contains("src=\"//"),
        "the page names another host: {:?}",
        absolute_urls(&page)
    );
    assert!(page.contains("<base href=\"/docs/\""), "{page}");
    let referenced: Vec<String> = Regex::new(r#"(?:src|href)="([^"]+)""#)
        .unwrap()
        .captures_iter(&page)
        .map(|c| c[1].to_owned())
        .filter(|r| r != "/docs/")
        .collect();
    assert!(referenced.len() >= 4, "{referenced:?}");

    let css_url = Regex::new(r#"url\(\s*['"]?([^'")]*)"#).unwrap();
    let mut hosts = BTreeSet::new();
    for reference in referenced {
        assert!(
            !reference.contains("//") && !reference.starts_with("data:"),
            "{reference} is not a local asset"
        );
        let path = format!("/docs/{}", reference.trim_start_matches("./"));
        let (_, text) = fetch(path.clone()).await;
        if path.ends_with(".css") {
            for url in css_url.captures_iter(&text) {
                assert!(
                    url[1].starts_with("data:") || !url[1].contains("//"),
                    "{path} loads {}",
                    &url[1]
                );
            }
            assert!(!text.contains("@import"), "{path} imports a stylesheet");
        }
        if path.ends_with("swagger-initializer.js") {
            assert!(absolute_urls(&text).is_empty(), "{path}: {text}");
            assert!(text.contains("\"/openapi.json\""), "{path}: {text}");
            assert!(
                text.contains("\"validatorUrl\": \"none\""),
                "{path}: {text}"
            );
        }
        if path.ends_with(".js") {
            hosts.extend(absolute_urls(&text).iter().map(|u| host_of(u)));
        }
    }
    hosts.retain(|h| !h.is_empty() && !h.starts_with("base"));
    let unexpected: Vec<_> = hosts
        .iter()
        .filter(|h| !HOSTS_NOT_LOADED.contains(&h.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "the docs' scripts name hosts not known to be inert: {unexpected:?}"
    );

    let (content_type, served) = fetch("/openapi.json".into()).await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(serde_json::from_str::<Value>(&served).unwrap(), spec());
}

#[tokio::test]
async fn an_unknown_docs_asset_is_a_404_in_the_envelope() {
    let app = spawn_app().await;
    let response = app
        .request(reqwest::Method::GET, "/docs/nope.js", None, None)
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let response = app
        .request(reqwest::Method::POST, "/docs", None, None)
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::METHOD_NOT_ALLOWED);
}

// ---------------------------------------------------------------------------------------
// Real responses against the documented schemas.

/// Checks `value` against a schema of the spec: `$ref`, `type`, `enum`, `pattern`,
/// `properties`/`required`, `items`, `oneOf`/`anyOf`/`allOf`, `minimum`, `maxLength`. Stricter
/// than JSON Schema in one way: an object may not carry a property its schema does not
/// declare (unless `additionalProperties` gives a schema), so an undocumented field fails.
fn check(spec: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if let Some(choices) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = choices
            .iter()
            .filter(|choice| {
                let mut inner = Vec::new();
                check(spec, choice, value, at, &mut inner);
                inner.is_empty()
            })
            .count();
        if matching != 1 {
            problems.push(format!(
                "{at}: {value} matches {matching} of oneOf {choices:?}"
            ));
        }
        return;
    }
    if let Some(choices) = schema.get("anyOf").and_then(Value::as_array) {
        let any = choices.iter().any(|choice| {
            let mut inner = Vec::new();
            check(spec, choice, value, at, &mut inner);
            inner.is_empty()
        });
        if !any {
            problems.push(format!("{at}: {value} matches no anyOf"));
        }
        return;
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !fits {
            problems.push(format!("{at}: {value} is {actual}, not {types:?}"));
            return;
        }
    }
    if let Some(choices) = schema.get("enum").and_then(Value::as_array) {
        if !choices.contains(value) {
            problems.push(format!("{at}: {value} is not one of {choices:?}"));
        }
    }
    if let (Some(pattern), Some(text)) = (schema["pattern"].as_str(), value.as_str()) {
        if !Regex::new(pattern).unwrap().is_match(text) {
            problems.push(format!("{at}: {text:?} does not match {pattern}"));
        }
    }
    if let (Some(max), Some(text)) = (schema["maxLength"].as_u64(), value.as_str()) {
        if text.chars().count() as u64 > max {
            problems.push(format!("{at}: {text:?} is longer than {max}"));
        }
    }
    if let (Some(min), Some(number)) = (schema["minimum"].as_f64(), value.as_f64()) {
        if number < min {
            problems.push(format!("{at}: {number} is below {min}"));
        }
    }
    if let (Some("date-time"), Some(text)) = (schema["format"].as_str(), value.as_str()) {
        if chrono_like_rfc3339(text).is_none() {
            problems.push(format!("{at}: {text:?} is not an RFC 3339 timestamp"));
        }
    }
    if let (Some("uuid"), Some(text)) = (schema["format"].as_str(), value.as_str()) {
        if uuid::Uuid::try_parse(text).is_err() {
            problems.push(format!("{at}: {text:?} is not a UUID"));
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check_object_members(spec, part, value, at, problems);
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (index, item) in values.iter().enumerate() {
            check(spec, items, item, &format!("{at}[{index}]"), problems);
        }
    }
    check_object_members(spec, schema, value, at, problems);
    if let Some(object) = value.as_object() {
        let declared = declared_properties(spec, schema);
        let open = schema
            .get("additionalProperties")
            .is_some_and(|a| a.is_object());
        if !declared.is_empty() && !open {
            for name in object.keys() {
                if !declared.contains(name) {
                    problems.push(format!("{at}.{name} is not in the documented schema"));
                }
            }
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            for (name, member) in object {
                if !declared.contains(name) {
                    check(spec, extra, member, &format!("{at}.{name}"), problems);
                }
            }
        }
    }
}

/// `properties` and `required` of one schema (not its `allOf`).
fn check_object_members(
    spec: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    problems: &mut Vec<String>,
) {
    let schema = resolve(spec, schema);
    let Some(object) = value.as_object() else {
        return;
    };
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        if !object.contains_key(name) {
            problems.push(format!("{at}.{name} is required but missing"));
        }
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        if let Some(member) = object.get(name) {
            check(spec, property, member, &format!("{at}.{name}"), problems);
        }
    }
}

fn declared_properties(spec: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = resolve(spec, schema);
    let mut names: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        names.extend(declared_properties(spec, part));
    }
    names
}

fn chrono_like_rfc3339(text: &str) -> Option<()> {
    Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
        .unwrap()
        .is_match(text)
        .then_some(())
}

/// Calls the server and checks the answer against the spec's response for `(method, path,
/// status)`. `path` is the documented template; `concrete` what is called.
struct Conformance {
    spec: Value,
    problems: Vec<String>,
    seen: BTreeSet<(String, String, u16)>,
}

impl Conformance {
    async fn call(
        &mut self,
        app: &crate::helpers::TestApp,
        method: reqwest::Method,
        template: &str,
        concrete: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let response = app.request(method.clone(), concrete, key, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        let name = format!("{method} {concrete} → {status}");
        let lower = method.as_str().to_ascii_lowercase();
        let operation = &self.spec["paths"][template][&lower];
        if !operation.is_object() {
            self.problems
                .push(format!("{name}: {lower} {template} is not documented"));
            return (status, value);
        }
        let response = resolve(&self.spec, &operation["responses"][status.to_string()]);
        if !response.is_object() {
            self.problems.push(format!(
                "{name}: status {status} is not documented: {value}"
            ));
            return (status, value);
        }
        self.seen.insert((lower, template.to_owned(), status));
        match response["content"]
            .as_object()
            .and_then(|c| c.get("application/json"))
        {
            Some(media) => {
                let mut problems = Vec::new();
                check(&self.spec, &media["schema"], &value, "body", &mut problems);
                self.problems
                    .extend(problems.into_iter().map(|p| format!("{name}: {p}")));
            }
            None if !value.is_null() && response["content"].is_null() => self
                .problems
                .push(format!("{name}: documented without a body, got {value}")),
            None => {}
        }
        (status, value)
    }
}

/// A tour of the API as a wallet, a partner and the operator: every answer, success or
/// error, has the documented status and shape.
#[tokio::test]
async fn real_responses_match_the_documented_schemas() {
    use reqwest::Method as M;

    use crate::helpers::{accept_body, ADMIN_TOKEN};

    let app = crate::helpers::spawn_app_with(|s| s.webhook_allow_private_targets = true).await;
    let mut c = Conformance {
        spec: spec(),
        problems: Vec::new(),
        seen: BTreeSet::new(),
    };
    let admin = Some(ADMIN_TOKEN);
    c.call(&app, M::GET, "/healthz", "/healthz", None, None)
        .await;
    c.call(&app, M::GET, "/readyz", "/readyz", None, None).await;
    c.call(&app, M::GET, "/v1/ops/stats", "/v1/ops/stats", admin, None)
        .await;

    let name = serde_json::json!({"name": "Conformance"});
    let (_, wallet) = c
        .call(
            &app,
            M::POST,
            "/v1/admin/wallets",
            "/v1/admin/wallets",
            admin,
            Some(&name),
        )
        .await;
    let (_, partner) = c
        .call(
            &app,
            M::POST,
            "/v1/admin/partners",
            "/v1/admin/partners",
            admin,
            Some(&name),
        )
        .await;
    c.call(
        &app,
        M::GET,
        "/v1/admin/wallets",
        "/v1/admin/wallets?limit=1",
        admin,
        None,
    )
    .await;
    c.call(
        &app,
        M::GET,
        "/v1/admin/partners",
        "/v1/admin/partners",
        admin,
        None,
    )
    .await;
    let rotate = format!(
        "/v1/admin/wallets/{}/rotate-key",
        wallet["id"].as_str().unwrap()
    );
    let (_, wallet) = c
        .call(
            &app,
            M::POST,
            "/v1/admin/wallets/{id}/rotate-key",
            &rotate,
            admin,
            None,
        )
        .await;
    let w = wallet["api_key"].as_str().unwrap().to_owned();
    let p = partner["api_key"].as_str().unwrap().to_owned();
    let (w, p) = (Some(w.as_str()), Some(p.as_str()));
    let partner_id = partner["id"].as_str().unwrap().to_owned();

    let user = serde_json::json!({
        "email": "ada@example.com", "phone": "+2348012345678",
        "name": {"first": "Ada", "last": "Obi"}, "birth_date": "1990-01-31", "country": "NG",
        "document": {"type": "passport", "number": "A1", "country": "NG"},
        "bank_account": {"bank_name": "GTBank", "account_number": "0123", "bank_code": "058"}
    });
    let u = "/v1/users/{user_ref}";
    c.call(&app, M::PUT, u, "/v1/users/u-1", w, Some(&user))
        .await;
    c.call(
        &app,
        M::PUT,
        u,
        "/v1/users/u-1",
        w,
        Some(&serde_json::json!({})),
    )
    .await;
    c.call(&app, M::PUT, u, "/v1/users/u-1", w, Some(&user))
        .await;
    c.call(&app, M::GET, u, "/v1/users/u-1", w, None).await;
    let grant = format!("/v1/users/u-1/grants/{partner_id}");
    let g = "/v1/users/{user_ref}/grants/{partner_id}";
    c.call(&app, M::PUT, g, &grant, w, None).await;
    c.call(
        &app,
        M::GET,
        "/v1/users/{user_ref}/grants",
        "/v1/users/u-1/grants",
        w,
        None,
    )
    .await;

    let order = serde_json::json!({
        "direction": "offramp", "partner_id": partner_id, "user_ref": "u-1",
        "crypto": {"asset": "USDC", "network": "solana", "amount": "10"},
        "fiat": {"currency": "NGN", "amount": "15000.00"},
        "user_wallet_address": "F2etcaJ1", "payment_method": "bank_transfer",
        "external_ref": "w-1"
    });
    let (_, created) = c
        .call(&app, M::POST, "/v1/orders", "/v1/orders", w, Some(&order))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let o = |suffix: &str| format!("/v1/orders/{id}{suffix}");
    c.call(&app, M::GET, "/v1/orders/{id}", &o(""), w, None)
        .await;
    c.call(&app, M::GET, "/v1/orders/{id}", &o(""), p, None)
        .await;
    c.call(&app, M::GET, "/v1/orders/{id}/user", &o("/user"), p, None)
        .await;
    c.call(
        &app,
        M::GET,
        "/v1/users/{user_ref}/access-log",
        "/v1/users/u-1/access-log",
        w,
        None,
    )
    .await;
    let command = |name: &str| format!("/v1/orders/{{id}}/{name}");
    let accept = accept_body("offramp");
    c.call(
        &app,
        M::POST,
        &command("accept"),
        &o("/accept"),
        p,
        Some(&accept),
    )
    .await;
    c.call(
        &app,
        M::POST,
        &command("accept"),
        &o("/accept"),
        p,
        Some(&accept),
    )
    .await;
    c.call(
        &app,
        M::POST,
        &command("reject"),
        &o("/reject"),
        p,
        Some(&serde_json::json!({"reason": "late"})),
    )
    .await;
    c.call(
        &app,
        M::POST,
        &command("funds-sent"),
        &o("/funds-sent"),
        w,
        None,
    )
    .await;
    let received = serde_json::json!({"amount": "10.00", "reference": "tx"});
    c.call(
        &app,
        M::POST,
        &command("funds-received"),
        &o("/funds-received"),
        p,
        Some(&received),
    )
    .await;
    let complete = serde_json::json!({"transaction_id": "bank-tx"});
    c.call(
        &app,
        M::POST,
        &command("complete"),
        &o("/complete"),
        p,
        Some(&complete),
    )
    .await;
    c.call(
        &app,
        M::GET,
        "/v1/orders",
        "/v1/orders?status=completed&limit=5",
        w,
        None,
    )
    .await;
    c.call(&app, M::GET, "/v1/orders", "/v1/orders", p, None)
        .await;

    let (_, second) = c
        .call(&app, M::POST, "/v1/orders", "/v1/orders", w, Some(&order))
        .await;
    let second = format!("/v1/orders/{}", second["id"].as_str().unwrap());
    c.call(
        &app,
        M::POST,
        &command("cancel"),
        &format!("{second}/cancel"),
        w,
        None,
    )
    .await;
    let (_, third) = c
        .call(&app, M::POST, "/v1/orders", "/v1/orders", w, Some(&order))
        .await;
    let third = format!("/v1/orders/{}", third["id"].as_str().unwrap());
    c.call(
        &app,
        M::POST,
        &command("accept"),
        &format!("{third}/accept"),
        p,
        Some(&accept),
    )
    .await;
    let fail = serde_json::json!({"code": "aml_check_failed", "reason": "checks"});
    c.call(
        &app,
        M::POST,
        &command("fail"),
        &format!("{third}/fail"),
        p,
        Some(&fail),
    )
    .await;
    let refund = serde_json::json!({"amount": "10", "transaction_id": "tx-r"});
    c.call(
        &app,
        M::POST,
        &command("refund"),
        &format!("{third}/refund"),
        p,
        Some(&refund),
    )
    .await;

    let endpoint = serde_json::json!({"url": "http://127.0.0.1:9/hook", "event_types": ["order.created"], "description": "d"});
    let (_, created) = c
        .call(
            &app,
            M::POST,
            "/v1/webhook-endpoints",
            "/v1/webhook-endpoints",
            w,
            Some(&endpoint),
        )
        .await;
    let e = format!("/v1/webhook-endpoints/{}", created["id"].as_str().unwrap());
    c.call(
        &app,
        M::GET,
        "/v1/webhook-endpoints",
        "/v1/webhook-endpoints",
        w,
        None,
    )
    .await;
    c.call(
        &app,
        M::POST,
        "/v1/webhook-endpoints/{id}/rotate-secret",
        &format!("{e}/rotate-secret"),
        w,
        None,
    )
    .await;
    let (_, events) = c
        .call(&app, M::GET, "/v1/events", "/v1/events?limit=2", w, None)
        .await;
    let event = format!("/v1/events/{}", events["data"][0]["id"].as_str().unwrap());
    c.call(&app, M::GET, "/v1/events/{id}", &event, w, None)
        .await;
    c.call(
        &app,
        M::POST,
        "/v1/events/{id}/redeliver",
        &format!("{event}/redeliver"),
        w,
        None,
    )
    .await;
    c.call(&app, M::DELETE, "/v1/webhook-endpoints/{id}", &e, w, None)
        .await;
    c.call(&app, M::DELETE, g, &grant, w, None).await;
    c.call(&app, M::GET, "/v1/orders/{id}/user", &o("/user"), p, None)
        .await;
    c.call(&app, M::DELETE, u, "/v1/users/u-1", w, None).await;

    // Errors.
    c.call(&app, M::GET, "/v1/orders/{id}", &o(""), None, None)
        .await;
    c.call(&app, M::GET, "/v1/orders/{id}", &o(""), admin, None)
        .await;
    c.call(
        &app,
        M::GET,
        "/v1/orders/{id}",
        "/v1/orders/not-an-id",
        w,
        None,
    )
    .await;
    c.call(
        &app,
        M::POST,
        &command("accept"),
        &o("/accept"),
        w,
        Some(&accept),
    )
    .await;
    c.call(&app, M::POST, &command("cancel"), &o("/cancel"), w, None)
        .await;
    c.call(
        &app,
        M::POST,
        "/v1/orders",
        "/v1/orders",
        w,
        Some(&serde_json::json!({"direction": 1})),
    )
    .await;
    let response = app
        .client
        .post(format!("{}/v1/orders", app.address))
        .bearer_auth(w.unwrap())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    c.call(&app, M::GET, "/v1/events", "/v1/events?nope=1", w, None)
        .await;
    c.call(&app, M::GET, u, "/v1/users/u-404", w, None).await;
    c.call(&app, M::GET, "/v1/ops/stats", "/v1/ops/stats", w, None)
        .await;
    let big = serde_json::json!({"name": "x".repeat(70_000)});
    c.call(
        &app,
        M::POST,
        "/v1/admin/wallets",
        "/v1/admin/wallets",
        admin,
        Some(&big),
    )
    .await;

    assert!(c.problems.is_empty(), "{}", c.problems.join("\n"));
    assert!(
        c.seen.len() >= 45,
        "{} (method, path, status) checked",
        c.seen.len()
    );
}

/// The checker above does catch drift.
#[test]
fn the_schema_checker_catches_drift() {
    let spec = spec();
    let order = |value: Value| {
        let mut problems = Vec::new();
        let schema = serde_json::json!({"$ref": "#/components/schemas/Order"});
        check(&spec, &schema, &value, "body", &mut problems);
        problems
    };
    let mut good: Value = spec["paths"]["/v1/orders/{id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["example"]
        .clone();
    assert_eq!(order(good.clone()), Vec::<String>::new());
    good["surprise"] = Value::Bool(true);
    good["crypto"]["amount"] = serde_json::json!(10.5);
    good["status"] = serde_json::json!("lost");
    good.as_object_mut().unwrap().remove("history");
    good["created_at"] = serde_json::json!("yesterday");
    let problems = order(good).join("\n");
    for expected in [
        "body.surprise is not in the documented schema",
        "body.crypto.amount",
        "body.status",
        "body.history is required",
        "body.created_at",
    ] {
        assert!(
            problems.contains(expected),
            "{expected} not flagged in:\n{problems}"
        );
    }
}
