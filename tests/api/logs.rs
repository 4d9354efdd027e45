//! Logs as ops read them: `RAMPFLOW_LOG_FORMAT=json` gives one JSON object per line, each
//! request's lines carry its request id (the client's, or one made up and echoed), order
//! requests carry the order id, and no secret or KYC value is ever written.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{accept_body, order_body, TestDatabase};
use crate::recovery::Server;

#[tokio::test]
async fn json_logs_carry_the_request_id_and_the_order_id_and_no_secrets() {
    let database = TestDatabase::for_test().await;
    let server = Server::start(&database, &[]).await;
    let fixture = server.fixture().await;

    let response = server
        .client
        .post(format!("{}/v1/orders", server.address))
        .bearer_auth(&fixture.wallet.key)
        .header("x-request-id", "req-create-1")
        .json(&order_body("offramp", &fixture))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "req-create-1");
    let order: Value = response.json().await.unwrap();
    let order_id = order["id"].as_str().unwrap().to_owned();

    let response = server
        .client
        .post(format!("{}/v1/orders/{order_id}/accept", server.address))
        .bearer_auth(&fixture.partner.key)
        .json(&accept_body("offramp"))
        .send()
        .await
        .unwrap();
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !generated.is_empty(),
        "a request id is made up when none is sent"
    );

    // The closing line of each request is written after its response; poll for it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let lines = loop {
        let text = server.log_text();
        if text.contains(&generated) && text.contains("req-create-1") {
            break text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "request lines never logged:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let entries: Vec<Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let request_line = |id: &str| {
        entries
            .iter()
            .find(|e| e["span"]["request_id"] == json!(id) && e["message"] == "request")
            .unwrap_or_else(|| panic!("no request line for {id}"))
            .clone()
    };
    let create = request_line("req-create-1");
    assert_eq!(create["span"]["order_id"], json!(order_id));
    assert_eq!(create["span"]["route"], "/v1/orders");
    assert_eq!(create["status"], 201);
    let accept = request_line(&generated);
    assert_eq!(accept["span"]["order_id"], json!(order_id));
    assert_eq!(accept["span"]["route"], "/v1/orders/{id}/accept");

    for secret in [
        fixture.wallet.key.as_str(),
        fixture.partner.key.as_str(),
        crate::recovery::ADMIN,
        "ada@example.com",
    ] {
        assert!(
            !lines.contains(secret),
            "a secret or KYC value reached the log: {secret}"
        );
    }
}

/// A request actix-http cannot parse (a NUL byte in a header, a head over its limit) is
/// answered by actix-http itself, before the application: 400 (or 431), no body. It is the
/// client's error, so it is logged at WARN, never at ERROR.
#[tokio::test]
async fn a_request_actix_cannot_parse_is_a_warning_not_an_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let database = TestDatabase::for_test().await;
    let server = Server::start(&database, &[]).await;
    let address = server.address.trim_start_matches("http://").to_owned();
    let requests: [&[u8]; 2] = [
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x00b\r\n\r\n",
        b"GET /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\x00b\r\n\r\n",
    ];
    for request in requests {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
            .await
            .expect("actix-http answers and closes the connection")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let lines = loop {
        let text = server.log_text();
        if text.matches("could not read").count() >= requests.len() {
            break text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bad requests were never logged:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for line in lines.lines() {
        let entry: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert_ne!(
            entry["level"], "ERROR",
            "a client error logged as ERROR: {line}"
        );
        if entry["message"]
            .as_str()
            .is_some_and(|m| m.contains("could not read"))
        {
            assert_eq!(entry["level"], "WARN", "{line}");
            assert_eq!(entry["target"], "rampflow::http::connection", "{line}");
        }
    }
}

/// Plain-text logs (the default format) carry no terminal colour codes when they go to a file
/// or a pipe, as under a service manager or a log collector.
#[test]
fn plain_logs_to_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("logs.db").display());
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rampflow"));
    for (key, _) in std::env::vars() {
        if key.starts_with("RAMPFLOW_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    let output = command
        .arg("migrate")
        .current_dir(dir.path())
        .env("RAMPFLOW_DATABASE_URL", &database)
        .env("RAMPFLOW_DATA_DIR", dir.path())
        .env("RAMPFLOW_LOG_FORMAT", "pretty")
        .output()
        .expect("the rampflow binary runs");
    assert!(output.status.success(), "{output:?}");
    let log = String::from_utf8(output.stderr).unwrap();
    assert!(log.contains("migrations applied"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a piped log: {log:?}"
    );
}
