//! A server that survives its deployment's environment (API.md § Running): Kubernetes
//! service-link variables are ignored, an unknown `RAMPFLOW_*` variable is a warning that names
//! the closest setting, and a bad value of a known setting stops the start with one line naming
//! the variable. Against the built binary, as an operator starts it.

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::helpers::TestDatabase;
use crate::recovery::{Server, ADMIN};

/// The warnings in a server's JSON log.
fn warnings(server: &Server) -> Vec<Value> {
    server
        .log_text()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|entry| entry["level"] == "WARN")
        .collect()
}

#[tokio::test]
async fn kubernetes_service_links_are_ignored_in_silence() {
    let database = TestDatabase::for_test().await;
    let server = Server::start(
        &database,
        &[
            ("RAMPFLOW_PORT", "tcp://10.0.0.1:8080"),
            ("RAMPFLOW_PORT_8080_TCP", "tcp://10.0.0.1:8080"),
            ("RAMPFLOW_PORT_8080_TCP_ADDR", "10.0.0.1"),
            ("RAMPFLOW_SERVICE_HOST", "10.0.0.1"),
            ("RAMPFLOW_SERVICE_PORT", "8080"),
        ],
    )
    .await;
    // It serves, and says nothing about the service links.
    server.fixture().await;
    let log = server.log_text();
    assert!(
        !log.contains("RAMPFLOW_PORT") && !log.contains("RAMPFLOW_SERVICE"),
        "service links are not mentioned: {log}"
    );
}

#[tokio::test]
async fn an_unknown_variable_is_a_warning_that_suggests_the_setting_meant() {
    let database = TestDatabase::for_test().await;
    let server = Server::start(
        &database,
        &[("RAMPFLOW_DATABSE_URL", "postgres://nowhere.invalid/db")],
    )
    .await;
    server.fixture().await;
    let warnings = warnings(&server);
    let warning = warnings
        .iter()
        .find(|w| w["variable"] == "RAMPFLOW_DATABSE_URL")
        .unwrap_or_else(|| panic!("a warning names the variable: {warnings:?}"));
    assert_eq!(warning["suggestion"], "RAMPFLOW_DATABASE_URL");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("did you mean RAMPFLOW_DATABASE_URL?"),
        "{warning}"
    );
}

#[tokio::test]
async fn a_bad_value_of_a_known_setting_stops_the_start_in_one_line() {
    let database = TestDatabase::for_test().await;
    let dir = database.dir();
    let mut command = Command::new(env!("CARGO_BIN_EXE_rampflow"));
    for (key, _) in std::env::vars() {
        if key.starts_with("RAMPFLOW_") {
            command.env_remove(key);
        }
    }
    let output = command
        .arg("serve")
        .current_dir(dir)
        .env("RAMPFLOW_BIND", "127.0.0.1:0")
        .env("RAMPFLOW_DATABASE_URL", database.url())
        .env("RAMPFLOW_DATA_DIR", dir)
        .env("RAMPFLOW_ADMIN_TOKEN", ADMIN)
        .env("RAMPFLOW_PORT", "tcp://10.0.0.1:8080")
        .env("RAMPFLOW_ACCEPT_TIMEOUT", "soon")
        .stdin(Stdio::null())
        .output()
        .expect("the process runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "it started: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].contains("RAMPFLOW_ACCEPT_TIMEOUT") && lines[0].contains("soon"),
        "the line names the variable and its value: {stderr}"
    );
}
