//! SQLite stays one node: a second process on the same database file refuses to start.

use std::process::{Command, Stdio};

use crate::helpers::{Engine, TestDatabase};
use crate::recovery::{Server, ADMIN};

#[tokio::test]
async fn a_second_process_on_the_same_sqlite_file_refuses_to_start() {
    let database = TestDatabase::new(Engine::Sqlite).await;
    let dir = database.dir();
    let first = Server::start(&database, &[]).await;

    let mut second = Command::new(env!("CARGO_BIN_EXE_rampflow"));
    for (key, _) in std::env::vars() {
        if key.starts_with("RAMPFLOW_") {
            second.env_remove(key);
        }
    }
    let output = second
        .arg("serve")
        .current_dir(dir)
        .env("RAMPFLOW_BIND", "127.0.0.1:0")
        .env("RAMPFLOW_DATABASE_URL", database.url())
        .env("RAMPFLOW_DATA_DIR", dir)
        .env("RAMPFLOW_ADMIN_TOKEN", ADMIN)
        .stdin(Stdio::null())
        .output()
        .expect("the second process runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "a second process started: {stderr}"
    );
    assert!(
        stderr.contains("in use by another rampflow process")
            && stderr.contains("SQLite runs one node"),
        "the refusal says why: {stderr}"
    );
    // The first one is untouched.
    let fixture = first.fixture().await;
    assert!(!fixture.wallet.key.is_empty());

    // Once the first stops, the file is free again.
    first.kill9();
    let again = Server::start(&database, &[]).await;
    again.fixture().await;
}
