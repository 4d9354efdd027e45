//! Secrets at rest (ARCHITECTURE.md § Promises 7): KYC data, webhook secrets and the stored
//! responses that carry new API keys are sealed under data keys wrapped by a master key that
//! never sits in the database. Checked where an attacker would look (the SQLite file and its
//! WAL, a `pg_dump`), through a master key rotation under load (`rampflow keys rotate`, the
//! built binary, beside the running server), and against a node started with the wrong key.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rampflow_client::{IdempotencyKey, UserData};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    accept_body, assert_error, spawn_app_with, Engine, Fixture, Party, TestApp, TestDatabase,
    ADMIN_TOKEN,
};
use crate::recovery::Server;

/// A user's KYC data whose every value is unusual enough to be searched for in raw bytes.
fn kyc(tag: &str) -> Value {
    json!({
        "email": format!("zephyrine.{tag}@quackenbush-mail.example"),
        "phone": "+2348031234567",
        "name": { "first": format!("Zephyrine{tag}"), "last": "Quackenbush" },
        "birth_date": "1971-03-14",
        "country": "NG",
        "document": { "type": "passport", "number": format!("PQ{tag}7755031"), "country": "NG" },
        "bank_account": {
            "bank_name": "Quackenbank Lagos",
            "account_number": format!("GB29QUAK{tag}60161331"),
            "bank_code": "QUAK0101"
        }
    })
}

/// The strings of [`kyc`] that must appear nowhere at rest.
fn kyc_needles(tag: &str) -> Vec<String> {
    vec![
        format!("zephyrine.{tag}@quackenbush-mail.example"),
        format!("Zephyrine{tag}"),
        "Quackenbush".to_owned(),
        format!("PQ{tag}7755031"),
        format!("GB29QUAK{tag}60161331"),
        "Quackenbank".to_owned(),
    ]
}

async fn local_app() -> TestApp {
    spawn_app_with(|s| s.webhook_allow_private_targets = true).await
}

async fn body(response: reqwest::Response, status: StatusCode) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// `POST` with an `Idempotency-Key`, so the response is stored (sealed when it carries a key).
async fn post_once(app: &TestApp, path: &str, key: &str, body_: &Value, idem: &str) -> Value {
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(key)
        .header("Idempotency-Key", idem)
        .json(body_)
        .send()
        .await
        .unwrap();
    body(response, StatusCode::CREATED).await
}

/// A wallet and a partner created with idempotency keys, the wallet's user with [`kyc`]
/// data who granted the partner access.
async fn parties(app: &TestApp, user_ref: &str, tag: &str) -> Fixture {
    let idempotency_key = |key: &str| Some(IdempotencyKey::new(key).unwrap());
    let wallet = app
        .operator
        .create_wallet_with_key("W", idempotency_key("w-1"))
        .await
        .unwrap();
    let partner = app
        .operator
        .create_partner_with_key("P", idempotency_key("p-1"))
        .await
        .unwrap();
    let fixture = Fixture {
        wallet: app.party(wallet.id.to_string(), wallet.api_key),
        partner: app.party(partner.id.to_string(), partner.api_key),
        user_ref: user_ref.to_owned(),
    };
    let data: UserData = serde_json::from_value(kyc(tag)).unwrap();
    app.add_user(&fixture.wallet, user_ref, &data).await;
    app.grant_access(&fixture.wallet, user_ref, &fixture.partner)
        .await;
    fixture
}

/// Runs the built binary's `rampflow keys <command>` on the app's database and data directory.
fn keys_command(database: &TestDatabase, command: &str) -> std::process::Output {
    let mut keys = Command::new(env!("CARGO_BIN_EXE_rampflow"));
    for (key, _) in std::env::vars() {
        if key.starts_with("RAMPFLOW_") {
            keys.env_remove(key);
        }
    }
    let output = keys
        .args(["keys", command])
        .env("RAMPFLOW_DATABASE_URL", database.url())
        .env("RAMPFLOW_DATA_DIR", database.dir())
        .env("RAMPFLOW_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("rampflow keys runs");
    assert!(
        output.status.success(),
        "rampflow keys {command} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The database's bytes as an attacker with a copy would have them: the SQLite file and its
/// WAL, or a `pg_dump`.
fn bytes_at_rest(database: &TestDatabase) -> Vec<(String, Vec<u8>)> {
    match database.engine() {
        Engine::Sqlite => ["rampflow.db", "rampflow.db-wal"]
            .into_iter()
            .filter_map(|name| {
                let bytes = std::fs::read(database.dir().join(name)).ok()?;
                Some((name.to_owned(), bytes))
            })
            .collect(),
        Engine::Postgres => {
            let url = database.url();
            let output = Command::new("pg_dump")
                .arg("--dbname")
                .arg(&url)
                .output()
                .expect("pg_dump runs");
            assert!(
                output.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            vec![("pg_dump".to_owned(), output.stdout)]
        }
    }
}

fn find(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

async fn user_key_id(app: &TestApp, wallet: &Party, user_ref: &str) -> String {
    let mut db = app.db().await;
    let rows = db
        .rows(
            "SELECT key_id FROM users WHERE wallet_id = $1 AND user_ref = $2",
            &[&wallet.id, user_ref],
        )
        .await;
    let key: Option<String> = sqlx::Row::get(&rows[0], "key_id");
    db.close().await;
    key.expect("the user's data is sealed under a key of its own")
}

async fn count(app: &TestApp, sql: &str, params: &[&str]) -> i64 {
    let mut db = app.db().await;
    let rows = db.rows(sql, params).await;
    let n: i64 = sqlx::Row::get(&rows[0], 0);
    db.close().await;
    n
}

#[tokio::test]
async fn nothing_secret_is_readable_at_rest_after_a_walk_through_a_rotation_and_a_delete() {
    let app = local_app().await;
    let fixture = parties(&app, "u-ada", "A").await;
    let mut secrets: Vec<String> = vec![fixture.wallet.key.clone(), fixture.partner.key.clone()];

    // Webhook endpoints of both parties, one of them rotated (two secrets live).
    for (party, idem) in [(&fixture.wallet, "e-w"), (&fixture.partner, "e-p")] {
        let endpoint = post_once(
            &app,
            "/v1/webhook-endpoints",
            &party.key,
            &json!({"url": "http://127.0.0.1:9/hooks"}),
            idem,
        )
        .await;
        secrets.push(endpoint["secret"].as_str().unwrap().to_owned());
        if idem == "e-w" {
            let rotated = app
                .post(
                    &format!(
                        "/v1/webhook-endpoints/{}/rotate-secret",
                        endpoint["id"].as_str().unwrap()
                    ),
                    &party.key,
                    &json!({}),
                )
                .await;
            let rotated = body(rotated, StatusCode::OK).await;
            secrets.push(rotated["secret"].as_str().unwrap().to_owned());
        }
    }

    // An order through its life, and the partner reading the user's data.
    let order = app.new_order(&fixture, "onramp").await;
    let id = order["id"].as_str().unwrap();
    let accepted = app
        .command(&fixture.partner.key, id, "accept", &accept_body("onramp"))
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let read = app
        .get(&format!("/v1/orders/{id}/user"), &fixture.partner.key)
        .await;
    let read = body(read, StatusCode::OK).await;
    assert_eq!(read["email"], "zephyrine.A@quackenbush-mail.example");
    // The order documents carry nothing of the user's KYC data.
    let document = serde_json::to_string(&app.get_order(&fixture.wallet.key, id).await).unwrap();
    for needle in kyc_needles("A") {
        assert!(
            !document.contains(&needle),
            "the order shows {needle}: {document}"
        );
    }

    // A user update, a second user deleted, and a master key rotation.
    let response = app.put_user(&fixture.wallet, "u-ada", &kyc("B")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.put_user(&fixture.wallet, "u-gone", &kyc("C")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let gone_key = user_key_id(&app, &fixture.wallet, "u-gone").await;
    let gone = {
        let mut db = app.db().await;
        let rows = db
            .rows(
                "SELECT u.data, k.wrapped FROM users u JOIN data_keys k ON k.id = u.key_id
                 WHERE u.user_ref = 'u-gone'",
                &[],
            )
            .await;
        let data: String = sqlx::Row::get(&rows[0], "data");
        let wrapped: String = sqlx::Row::get(&rows[0], "wrapped");
        db.close().await;
        // Their base64 bodies, as they would sit in a page.
        [data.rsplit(':').next().unwrap().to_owned(), wrapped]
    };
    let response = app.delete("/v1/users/u-gone", &fixture.wallet.key).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    if app.database().engine() == Engine::Sqlite {
        // Once the WAL is checkpointed into the database file, nothing of the deleted row or its
        // key is left in the file's free space (`secure_delete`).
        let mut db = app.db().await;
        let checkpoint = db.rows("PRAGMA wal_checkpoint(TRUNCATE)", &[]).await;
        let busy: i64 = sqlx::Row::get(&checkpoint[0], 0);
        assert_eq!(busy, 0, "the checkpoint completed");
        let rows = db
            .rows("SELECT data FROM users WHERE user_ref = 'u-ada'", &[])
            .await;
        let kept: String = sqlx::Row::get(&rows[0], "data");
        db.close().await;
        let file = std::fs::read(app.database().dir().join("rampflow.db")).unwrap();
        // The scan sees the file as the checkpoint left it: the live user is there, sealed.
        assert!(find(&file, kept.rsplit(':').next().unwrap()));
        for trace in &gone {
            assert!(
                !find(&file, trace),
                "the deleted user's bytes linger in the file"
            );
        }
    }
    // Crypto-shredding: the deleted user's data key is gone with the user.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM data_keys WHERE id = $1",
            &[&gone_key]
        )
        .await,
        0
    );
    keys_command(app.database(), "rotate");

    // Everything still reads back, through the rotated key.
    let user = body(
        app.get("/v1/users/u-ada", &fixture.wallet.key).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(user["name"]["first"], "ZephyrineB");
    assert_eq!(
        app.get("/v1/users/u-gone", &fixture.wallet.key)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let master_key = std::fs::read_to_string(app.database().dir().join("master_key")).unwrap();
    let master_keys: Vec<String> = master_key
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.trim().to_owned())
        .collect();
    assert_eq!(
        master_keys.len(),
        1,
        "the old key left the file once the rotation was done"
    );
    let mut needles: Vec<String> = ["A", "B", "C"].into_iter().flat_map(kyc_needles).collect();
    for secret in &secrets {
        needles.push(secret.clone());
        if let Some(bytes) = secret.strip_prefix("whsec_") {
            needles.push(bytes.to_owned());
        }
    }
    needles.extend(master_keys);
    let files = bytes_at_rest(app.database());
    assert!(!files.is_empty());
    // The scan finds what is there: the order's own fields are in the clear.
    assert!(files
        .iter()
        .any(|(_, bytes)| find(bytes, "F2etcaJ1userWallet")));
    for (name, bytes) in &files {
        for needle in &needles {
            assert!(!find(bytes, needle), "{name} holds {needle:?} in the clear");
        }
    }
}

#[tokio::test]
async fn a_ciphertext_copied_onto_another_row_does_not_open_and_only_that_read_fails() {
    let app = local_app().await;
    let fixture = parties(&app, "u-ada", "A").await;
    let response = app.put_user(&fixture.wallet, "u-bea", &kyc("B")).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // Ada's sealed data and key, pasted onto Bea's row.
    let mut db = app.db().await;
    let rows = db
        .rows(
            "SELECT data, key_id FROM users WHERE wallet_id = $1 AND user_ref = 'u-ada'",
            &[&fixture.wallet.id],
        )
        .await;
    let data: String = sqlx::Row::get(&rows[0], "data");
    let key_id: String = sqlx::Row::get(&rows[0], "key_id");
    assert!(data.starts_with("rfe1:"), "{data}");
    let pasted = db
        .execute(
            "UPDATE users SET data = $1, key_id = $2 WHERE wallet_id = $3 AND user_ref = 'u-bea'",
            &[&data, &key_id, &fixture.wallet.id],
        )
        .await;
    assert_eq!(pasted, 1);
    db.close().await;

    let response = app.get("/v1/users/u-bea", &fixture.wallet.key).await;
    let error = assert_error(response, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    assert!(!error.to_string().contains("rfe1"), "no internals: {error}");
    // Everything else is served.
    let ada = body(
        app.get("/v1/users/u-ada", &fixture.wallet.key).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ada["email"], "zephyrine.A@quackenbush-mail.example");
    let order = app.new_order(&fixture, "offramp").await;
    let read = app
        .get(
            &format!("/v1/orders/{}/user", order["id"].as_str().unwrap()),
            &fixture.partner.key,
        )
        .await;
    assert_eq!(
        body(read, StatusCode::OK).await["name"]["last"],
        "Quackenbush"
    );
    let response = app.put_user(&fixture.wallet, "u-cy", &kyc("C")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let health = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(health.status(), StatusCode::OK);

    // The same for a sealed first response: the wallet created under key `w-1` (its API key
    // inside) copied onto the record of `p-1`, the partner's creation.
    let mut db = app.db().await;
    let rows = db
        .rows("SELECT body FROM idempotency_keys WHERE key = 'w-1'", &[])
        .await;
    let sealed: String = sqlx::Row::get(&rows[0], "body");
    assert!(sealed.starts_with("rfe1:"), "{sealed}");
    assert!(!sealed.contains(&fixture.wallet.key));
    let pasted = db
        .execute(
            "UPDATE idempotency_keys SET body = $1 WHERE key = 'p-1'",
            &[&sealed],
        )
        .await;
    assert_eq!(pasted, 1);
    db.close().await;
    let replay = |name: &'static str, key: &'static str| {
        app.client
            .post(format!("{}/v1/admin/{name}", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .header("Idempotency-Key", key)
            .json(&json!({"name": if name == "wallets" { "W" } else { "P" }}))
            .send()
    };
    let response = replay("partners", "p-1").await.unwrap();
    assert_error(response, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    let response = replay("wallets", "w-1").await.unwrap();
    assert_eq!(
        body(response, StatusCode::CREATED).await["api_key"],
        fixture.wallet.key.as_str()
    );
}

#[tokio::test]
async fn users_are_read_and_written_throughout_a_rotation() {
    let app = local_app().await;
    let fixture = parties(&app, "u-0", "A").await;
    for n in 1..20 {
        let response = app
            .put_user(&fixture.wallet, &format!("u-{n}"), &kyc(&n.to_string()))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let before = String::from_utf8(keys_command(app.database(), "status").stdout).unwrap();
    assert!(before.contains("rotation: complete"), "{before}");

    // Load: a client writing and reading users until told to stop; every answer must be 2xx.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        let client = app.client.clone();
        let address = app.address.clone();
        let key = fixture.wallet.key.clone();
        tokio::spawn(async move {
            let mut done = 0u64;
            let mut n = 100;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let put = client
                    .put(format!("{address}/v1/users/u-{}", n % 40))
                    .bearer_auth(&key)
                    .json(&kyc(&n.to_string()))
                    .send()
                    .await
                    .unwrap();
                assert!(
                    put.status().is_success(),
                    "PUT during rotation: {}",
                    put.status()
                );
                let get = client
                    .get(format!("{address}/v1/users/u-{}", n % 20))
                    .bearer_auth(&key)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(get.status(), StatusCode::OK, "GET during rotation");
                done += 1;
            }
            done
        })
    };
    let rotation = {
        let database_url = app.database().url();
        let dir = app.database().dir().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut keys = Command::new(env!("CARGO_BIN_EXE_rampflow"));
            for (key, _) in std::env::vars() {
                if key.starts_with("RAMPFLOW_") {
                    keys.env_remove(key);
                }
            }
            keys.args(["keys", "rotate"])
                .env("RAMPFLOW_DATABASE_URL", database_url)
                .env("RAMPFLOW_DATA_DIR", dir)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .output()
                .expect("rampflow keys rotate runs")
        })
    };
    let started = Instant::now();
    let output = rotation.await.unwrap();
    let rotated_in = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let exchanges = load
        .await
        .expect("every request during the rotation succeeded");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("rotation complete"), "{stdout}");
    assert!(
        exchanges > 0,
        "no request ran during the {rotated_in:?} rotation"
    );

    let after = String::from_utf8(keys_command(app.database(), "status").stdout).unwrap();
    assert!(after.contains("rotation: complete"), "{after}");
    // One master key wraps every data key, and it is the new one.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(DISTINCT master_key) FROM data_keys",
            &[]
        )
        .await,
        1
    );
    let old = before
        .lines()
        .find_map(|l| l.strip_prefix("current (wraps new data keys): "));
    let new = after
        .lines()
        .find_map(|l| l.strip_prefix("current (wraps new data keys): "));
    assert_ne!(old, new, "{before}\n{after}");

    // Everyone reads back, on this server and after a restart with the key file alone.
    let app = app.restart().await;
    for n in 0..40 {
        let response = app
            .get(&format!("/v1/users/u-{n}"), &fixture.wallet.key)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "u-{n}");
    }
}

/// Starts `rampflow serve` on `dir` and the database at `url` with `env`, expects it to exit
/// with a failure before it listens, and returns what it wrote on stderr.
pub(crate) async fn refused_start(
    dir: &std::path::Path,
    url: &str,
    env: &[(&str, &str)],
) -> String {
    let mut node = Command::new(env!("CARGO_BIN_EXE_rampflow"));
    for (key, _) in std::env::vars() {
        if key.starts_with("RAMPFLOW_") {
            node.env_remove(key);
        }
    }
    node.arg("serve")
        .current_dir(dir)
        .env("RAMPFLOW_BIND", "127.0.0.1:0")
        .env("RAMPFLOW_DATABASE_URL", url)
        .env("RAMPFLOW_DATA_DIR", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in env {
        node.env(key, value);
    }
    let mut child = node.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the node kept running");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "it exited successfully: {stderr}");
    stderr
}

#[tokio::test]
async fn a_node_with_the_wrong_master_key_refuses_to_start_and_the_right_one_reads_back() {
    const RIGHT: &str = "cmlnaHQtbWFzdGVyLWtleS1vZi10aGlydHktdHdvLWI=";
    const WRONG: &str = "d3JvbmctbWFzdGVyLWtleS1vZi10aGlydHktdHdvLWI=";
    let database = TestDatabase::for_test().await;
    let server = Server::start(&database, &[("RAMPFLOW_MASTER_KEY", RIGHT)]).await;
    let fixture = server.fixture().await;
    let (status, _) = server
        .call(
            Method::PUT,
            "/v1/users/u-7",
            &fixture.wallet.key,
            Some(&kyc("R")),
        )
        .await
        .expect("answered");
    assert_eq!(status, StatusCode::CREATED);
    server.kill9();

    let stderr = refused_start(
        database.dir(),
        &database.url(),
        &[
            ("RAMPFLOW_ADMIN_TOKEN", crate::recovery::ADMIN),
            ("RAMPFLOW_MASTER_KEY", WRONG),
        ],
    )
    .await;
    assert!(stderr.contains("wrong master key"), "{stderr}");
    assert!(!stderr.contains("rampflow is listening"), "{stderr}");
    assert!(
        !stderr.contains(WRONG) && !stderr.contains(RIGHT),
        "no key is printed: {stderr}"
    );

    // No key at all: it does not make one up over a database that has data keys.
    let stderr = refused_start(
        database.dir(),
        &database.url(),
        &[("RAMPFLOW_ADMIN_TOKEN", crate::recovery::ADMIN)],
    )
    .await;
    assert!(stderr.contains("this node has none"), "{stderr}");
    assert!(!database.dir().join("master_key").exists());

    let server = Server::start(&database, &[("RAMPFLOW_MASTER_KEY", RIGHT)]).await;
    let (status, user) = server
        .call(Method::GET, "/v1/users/u-7", &fixture.wallet.key, None)
        .await
        .expect("answered");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["document"]["number"], "PQR7755031");
}

#[tokio::test]
async fn plaintext_left_by_an_older_rampflow_is_sealed_at_start() {
    let app = local_app().await;
    let wallet = app.create_wallet("W").await;
    let mut db = app.db().await;
    db.execute(
        "INSERT INTO users (wallet_id, user_ref, data, created_at, updated_at)
         VALUES ($1, 'u-old', '{\"email\":\"old.timer@quackenbush-mail.example\"}', 1, 1)",
        &[&wallet.id],
    )
    .await;
    db.execute(
        "INSERT INTO webhook_endpoints (id, owner, url, secret, created_at)
         VALUES ('ep-old', $1, 'http://127.0.0.1:9/old', 'whsec_b2xkLXNlY3JldC1vZi10aGlydHktdHdvLWJ5dGVzIQ==', 1)",
        &[&format!("wallet:{}", wallet.id)],
    )
    .await;
    db.close().await;
    let app = app.restart().await;
    let mut db = app.db().await;
    let rows = db
        .rows(
            "SELECT data, key_id FROM users WHERE user_ref = 'u-old'",
            &[],
        )
        .await;
    let data: String = sqlx::Row::get(&rows[0], "data");
    assert!(data.starts_with("rfe1:"), "{data}");
    let rows = db
        .rows(
            "SELECT secret FROM webhook_endpoints WHERE id = 'ep-old'",
            &[],
        )
        .await;
    let secret: String = sqlx::Row::get(&rows[0], "secret");
    assert!(secret.starts_with("rfe1:"), "{secret}");
    db.close().await;
    let user = body(
        app.get("/v1/users/u-old", &wallet.key).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(user["email"], "old.timer@quackenbush-mail.example");
}
