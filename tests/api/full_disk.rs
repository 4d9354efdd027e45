//! SQLite on a disk that fills up: the database lives on a small tmpfs of its own, a filler
//! file takes the rest of its space, and the server keeps going under a stream of creates and
//! commands. Writes get 503 with `Retry-After` (`database_unavailable`, or `commit_unknown`
//! when the failure came at `COMMIT`), never a 500; reads keep working; nothing acknowledged is
//! lost; and writes resume once the filler is deleted.
//!
//! Mounting needs privileges the machine may not grant: then the test says so and passes
//! without running (the same breaker and error paths are covered on PostgreSQL by `outage`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{Connection, Row};

use crate::helpers::{accept_body, order_body};
use crate::recovery::Server;

/// A tmpfs of `size` on a fresh directory, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .ok()?;
        if !mounted.status.success() {
            eprintln!(
                "full_disk: cannot mount a tmpfs here ({}); skipped",
                String::from_utf8_lossy(&mounted.stderr).trim()
            );
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes zeros into `path` until the filesystem has no room left.
fn fill(path: &Path) -> PathBuf {
    let filler = path.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    // Whatever is left in smaller pieces.
    let small = vec![0u8; 512];
    while file.write_all(&small).is_ok() {}
    let _ = file.sync_all();
    filler
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_503_keeps_reads_and_loses_nothing() {
    let Some(disk) = SmallDisk::mount("24m") else {
        return;
    };
    let url = format!("sqlite://{}/rampflow.db", disk.path().display());
    let server = Server::start_at(disk.path(), &url, &[]).await;
    let fixture = server.fixture().await;
    let wallet = fixture.wallet.key.clone();

    // The first entries are on-ramp orders, the only ones the loop below accepts (with an
    // on-ramp body); the off-ramp orders it creates are appended after them.
    const ONRAMP_ORDERS: usize = 20;
    let mut acked: Vec<(String, i64)> = Vec::new();
    for _ in 0..ONRAMP_ORDERS {
        let order = server
            .post("/v1/orders", &wallet, &order_body("onramp", &fixture))
            .await;
        acked.push((order["id"].as_str().unwrap().to_owned(), 1));
    }

    let filler = fill(disk.path());
    // Writes until the disk refuses: creates and accepts, each answered 2xx or 503.
    let mut refused = None;
    for attempt in 0..5_000 {
        let (path, key, body) = if attempt % 2 == 0 {
            (
                "/v1/orders".to_owned(),
                &wallet,
                order_body("offramp", &fixture),
            )
        } else {
            let (id, _) = &acked[(attempt / 2) % ONRAMP_ORDERS];
            (
                format!("/v1/orders/{id}/accept"),
                &fixture.partner.key,
                accept_body("onramp"),
            )
        };
        let response = server
            .client
            .post(format!("{}{path}", server.address))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let retry_after = response.headers().contains_key("retry-after");
        let answer: Value = response.json().await.unwrap();
        if status.is_success() {
            let id = answer["id"].as_str().unwrap().to_owned();
            let version = answer["version"].as_i64().unwrap();
            match acked.iter_mut().find(|(known, _)| *known == id) {
                Some(entry) => entry.1 = entry.1.max(version),
                None => acked.push((id, version)),
            }
            continue;
        }
        assert!(
            status == StatusCode::CONFLICT && answer["error"]["code"] == "invalid_transition"
                || status == StatusCode::SERVICE_UNAVAILABLE,
            "{path} on a full disk: {status} {answer}\nlog:\n{}",
            server.log_text()
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(retry_after, "503 without Retry-After: {answer}");
            let code = answer["error"]["code"].as_str().unwrap().to_owned();
            assert!(
                code == "database_unavailable" || code == "commit_unknown",
                "{answer}"
            );
            refused = Some(code);
            break;
        }
    }
    let refused = refused.expect("the full disk never refused a write");
    println!("full disk: the first refused write answered {refused}");

    // Reads keep working, and show every acknowledged change.
    for (id, version) in &acked {
        let order = server.get_order(&wallet, id).await;
        assert!(order["version"].as_i64().unwrap() >= *version, "{order}");
    }
    let (status, _) = server
        .call(reqwest::Method::GET, "/v1/orders?limit=5", &wallet, None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);

    // Space returns: writes resume.
    std::fs::remove_file(filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let created = loop {
        let (status, body) = server
            .call(
                reqwest::Method::POST,
                "/v1/orders",
                &wallet,
                Some(&order_body("onramp", &fixture)),
            )
            .await
            .unwrap();
        if status == StatusCode::CREATED {
            break body;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(Instant::now() < deadline, "writes never resumed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    acked.push((created["id"].as_str().unwrap().to_owned(), 1));
    let log = server.log_text();
    assert!(!log.contains("panicked"), "a panic:\n{log}");

    // After a clean stop, the file holds every acknowledged change.
    server.sigterm();
    let mut server = server;
    let status = server.wait_for_exit(Duration::from_secs(30)).await;
    assert!(status.success(), "exit {status}");
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for (id, version) in &acked {
        let row = sqlx::query("SELECT version FROM orders WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged order {id} lost"));
        assert!(row.get::<i64, _>("version") >= *version);
    }
}
