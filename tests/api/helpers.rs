//! `spawn_app` starts the real application on port 0 in its own actix System (its own
//! thread), with a fresh database of its own on the engine under test ([`engine`]), and
//! [`TestApp::db`] opens the test's database for what the API does not show.
//!
//! Two kinds of helpers, on purpose:
//!
//! - **Wire helpers** (`request`, `get`, `post`, `put`, `delete`, and the few that return a
//!   [`Response`]: `create_order`, `command`, `put_user`, `grant`) send exactly the bytes a
//!   test gives, possibly invalid, and hand back the answer as it came: black-box tests assert
//!   statuses, headers and bodies, and every answer is checked against the committed
//!   `openapi.json` on the way ([`conforming`]). A typed client could not send the invalid
//!   bodies, and would hide the answers these tests are about.
//! - **Setup helpers** (parties, users, grants, [`TestApp::fixture`], [`TestApp::new_order`],
//!   [`TestApp::get_order`], [`TestApp::wait_for_status`], [`TestApp::register_endpoint`]) only
//!   need the call to succeed, so they go through `rampflow-client`, as an integrator would:
//!   one copy of the paths and bodies, the client's, which these tests exercise in passing.
//!   Their answers skip [`conforming`]: the client decodes them into the server's own types
//!   instead, and the wire tests hold the same endpoints to the contract. Their clients never
//!   retry ([`test_client`]): a test must not pass because a retry hid a 503.
//!
//! Lifecycle steps (`command`) stay on the wire even where a test only needs the order in
//! some status: the transition's status code is usually what the test asserts on the way.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use rampflow::config::{Secret, Settings};
use rampflow::startup::Application;
use rampflow_client::model::{OrderId, PartnerId, UserRef};
use rampflow_client::order::{EventType, Order};
use rampflow_client::{
    Client, CreateEndpoint, CreateOrder, CreatedEndpoint, Grant, RetryPolicy, User, UserData,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};

pub const ADMIN_TOKEN: &str = "test-admin-token";

/// The database engine the server runs on in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The engine under test: the test binary's own default (`DEFAULT_ENGINE` in its `main.rs`:
/// SQLite for `api`, PostgreSQL for `api_postgres`), unless `RAMPFLOW_TEST_DATABASE` names
/// one (`sqlite` or `postgres`).
pub fn engine() -> Engine {
    match std::env::var("RAMPFLOW_TEST_DATABASE").as_deref() {
        Ok("postgres") => Engine::Postgres,
        Ok("sqlite") => Engine::Sqlite,
        Ok("") | Err(_) => crate::DEFAULT_ENGINE,
        Ok(other) => panic!("RAMPFLOW_TEST_DATABASE={other:?}: use sqlite or postgres"),
    }
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// Plain HTTP, for the wire helpers and the tests' own raw requests.
    pub client: reqwest::Client,
    /// `rampflow-client` with the admin token, for the setup helpers.
    pub operator: Client,
    server: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Always `Some` but while `restart` moves it to the next app.
    database: Option<TestDatabase>,
}

/// A party the operator created: its id and API key, as the wire tests use them, and its own
/// `rampflow-client` for the setup helpers.
#[derive(Debug, Clone)]
pub struct Party {
    pub id: String,
    pub key: String,
    pub client: Client,
}

impl Party {
    /// The party with `id` and `key` on the server at `base_url`.
    pub fn new(base_url: &str, id: impl Into<String>, key: impl Into<String>) -> Party {
        let key = key.into();
        Party {
            id: id.into(),
            client: test_client(base_url, &key),
            key,
        }
    }

    /// The same party with another key (after a rotation).
    pub fn with_key(&self, key: impl Into<String>) -> Party {
        let key = key.into();
        Party {
            id: self.id.clone(),
            client: self
                .client
                .with_key(&key)
                .expect("an API key is a header value"),
            key,
        }
    }

    /// The id as a partner's.
    pub fn partner_id(&self) -> PartnerId {
        PartnerId::parse(&self.id).expect("a partner id")
    }
}

/// A `rampflow-client` for the tests: one attempt per call, so a setup call that meets a 503
/// fails the test instead of being retried out of sight.
pub fn test_client(base_url: &str, key: &str) -> Client {
    Client::builder(base_url, key)
        .retry(RetryPolicy::none())
        .build()
        .expect("a valid base URL and key")
}

/// A wallet, a partner, and a user of the wallet who granted the partner access.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub wallet: Party,
    pub partner: Party,
    pub user_ref: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with the test defaults, adjusted by `customize` (short timers, say), on a
/// fresh database on the engine under test ([`engine`]).
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(customize, TestDatabase::new(engine()).await).await
}

/// Like `spawn_app`, always on a fresh PostgreSQL database.
pub async fn spawn_postgres_app() -> TestApp {
    spawn(|_| {}, TestDatabase::new(Engine::Postgres).await).await
}

async fn spawn(customize: impl FnOnce(&mut Settings), database: TestDatabase) -> TestApp {
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".into();
    settings.database_url = database.url();
    settings.data_dir = database.dir().to_path_buf();
    settings.admin_token = Some(Secret::new(ADMIN_TOKEN));
    settings.http.workers = 2;
    settings.actors.arbiters = 2;
    customize(&mut settings);
    let (ready, started) = tokio::sync::oneshot::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings).await.expect("the app builds");
            let _ = ready.send((app.port(), app.handle()));
            app.run_until_stopped().await.expect("the app runs");
        })
    });
    let (port, server) = started.await.expect("the app started");
    let address = format!("http://127.0.0.1:{port}");
    let app = TestApp {
        operator: test_client(&address, ADMIN_TOKEN),
        address,
        port,
        client: reqwest::Client::new(),
        server,
        thread: Some(thread),
        database: Some(database),
    };
    app.wait_until_ready().await;
    app
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The server stops before its database goes (the fields drop after this).
        self.stop();
    }
}

/// The PostgreSQL server for tests (`RAMPFLOW_TEST_POSTGRES`, default the local one).
pub fn postgres_server() -> String {
    std::env::var("RAMPFLOW_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// A new, empty database, so every test starts clean.
pub async fn create_postgres_database() -> String {
    let name = format!("rampflow_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", postgres_server()))
        .await
        .expect("PostgreSQL is reachable (set RAMPFLOW_TEST_POSTGRES)");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("the test database is created");
    let _ = admin.close().await;
    name
}

/// Drops a test database from a plain thread (this runs in `Drop`, maybe inside a runtime).
pub fn drop_postgres_database(name: String) {
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            if let Ok(mut admin) =
                sqlx::PgConnection::connect(&format!("{}/postgres", postgres_server())).await
            {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await;
                let _ = admin.close().await;
            }
        });
    })
    .join();
}

/// A test's own database on one engine, which outlives the servers started on it, so a
/// restart finds everything where the last server left it: the SQLite file `rampflow.db` in
/// the data directory, or a fresh PostgreSQL database, dropped (once) when this is.
pub struct TestDatabase {
    /// The server's data directory (its admin token file); on SQLite, the database file's.
    dir: tempfile::TempDir,
    postgres: Option<String>,
}

impl TestDatabase {
    pub async fn new(engine: Engine) -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let postgres = match engine {
            Engine::Postgres => Some(create_postgres_database().await),
            Engine::Sqlite => None,
        };
        TestDatabase { dir, postgres }
    }

    /// On the engine under test ([`engine`]).
    pub async fn for_test() -> TestDatabase {
        TestDatabase::new(engine()).await
    }

    pub fn engine(&self) -> Engine {
        match self.postgres {
            Some(_) => Engine::Postgres,
            None => Engine::Sqlite,
        }
    }

    /// The server's data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The URL a server opens it with (`RAMPFLOW_DATABASE_URL`).
    pub fn url(&self) -> String {
        match &self.postgres {
            Some(name) => format!("{}/{name}", postgres_server()),
            None => format!("sqlite://{}/rampflow.db", self.dir.path().display()),
        }
    }

    /// The PostgreSQL database's name, on PostgreSQL.
    pub fn postgres_name(&self) -> Option<String> {
        self.postgres.clone()
    }

    /// The test's own connection, beside the server's (which must have created the database).
    pub async fn connect(&self) -> Db {
        sqlx::any::install_default_drivers();
        let mut connection = AnyConnection::connect(&self.url())
            .await
            .expect("the test opens the database");
        if self.postgres.is_none() {
            // Waits behind the server's writes rather than failing with SQLITE_BUSY.
            sqlx::query("PRAGMA busy_timeout = 10000")
                .execute(&mut connection)
                .await
                .expect("the busy timeout is set");
        }
        Db {
            connection,
            engine: self.engine(),
        }
    }

    /// The order's events in version order.
    pub async fn stored_events(&self, order_id: &str) -> Vec<StoredEvent> {
        let mut db = self.connect().await;
        let events = db.stored_events(order_id).await;
        db.close().await;
        events
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.postgres.take() {
            drop_postgres_database(name);
        }
    }
}

/// One row of the outbox (`order_events`), read straight from the database: the API shows
/// events, but not the stored row's own columns.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub version: i64,
    pub event_type: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub payload: Value,
}

/// A test's connection to its own database, on either engine. Queries are written once for
/// both, as the server's are: `$n` parameters, times in integer milliseconds, ids as text.
/// Close it with [`Db::close`].
pub struct Db {
    connection: AnyConnection,
    engine: Engine,
}

impl Db {
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Every row `sql` returns, its `$n` parameters bound to `params` in order.
    pub async fn rows(&mut self, sql: &str, params: &[&str]) -> Vec<AnyRow> {
        let mut query = sqlx::query(sql);
        for param in params {
            query = query.bind(*param);
        }
        query
            .fetch_all(&mut self.connection)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Runs `sql` with its `$n` parameters bound to `params`; returns the rows it changed.
    pub async fn execute(&mut self, sql: &str, params: &[&str]) -> u64 {
        let mut query = sqlx::query(sql);
        for param in params {
            query = query.bind(*param);
        }
        query
            .execute(&mut self.connection)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .rows_affected()
    }

    /// The order's events in version order.
    pub async fn stored_events(&mut self, order_id: &str) -> Vec<StoredEvent> {
        let rows = self
            .rows(
                "SELECT version, type, created_at, payload FROM order_events
                 WHERE order_id = $1 ORDER BY version",
                &[order_id],
            )
            .await;
        rows.iter()
            .map(|row| StoredEvent {
                version: row.get("version"),
                event_type: row.get("type"),
                created_at: row.get("created_at"),
                payload: serde_json::from_str(row.get::<&str, _>("payload")).expect("JSON payload"),
            })
            .collect()
    }

    pub async fn close(self) {
        let _ = self.connection.close().await;
    }
}

impl TestApp {
    pub fn database(&self) -> &TestDatabase {
        self.database.as_ref().expect("the app has its database")
    }

    /// The database made for this test when it runs on PostgreSQL.
    pub fn postgres_database_name(&self) -> Option<String> {
        self.database().postgres_name()
    }

    /// The test's own connection to the app's database.
    pub async fn db(&self) -> Db {
        self.database().connect().await
    }

    /// The order's events in version order, from the outbox.
    pub async fn stored_events(&self, order_id: &str) -> Vec<StoredEvent> {
        self.database().stored_events(order_id).await
    }

    /// Stops the app and starts it again, with the test defaults, on the same database and
    /// data directory (the same SQLite file, or the same PostgreSQL database).
    pub async fn restart(mut self) -> TestApp {
        self.stop();
        let database = self.database.take().expect("the app has its database");
        spawn(|_| {}, database).await
    }

    /// Stops the server and waits for its thread; the database stays.
    fn stop(&mut self) {
        // `stop` sends the command at once; the returned future only reports completion.
        drop(self.server.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    async fn wait_until_ready(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let ready = self
                .client
                .get(format!("{}/readyz", self.address))
                .send()
                .await
                .map(|r| r.status() == StatusCode::OK)
                .unwrap_or(false);
            if ready {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the app never became ready"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Any request; `body` is sent as JSON when given.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{}", self.address, path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the request was sent");
        if let (Some(body), true) = (body, response.status().is_success()) {
            crate::conformance::assert_accepted_request_conforms(&method, path, body);
        }
        conforming(&method, path, response).await
    }

    pub async fn get(&self, path: &str, key: &str) -> Response {
        self.request(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(key), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, key: &str, body: &Value) -> Response {
        self.request(Method::PUT, path, Some(key), Some(body)).await
    }

    pub async fn delete(&self, path: &str, key: &str) -> Response {
        self.request(Method::DELETE, path, Some(key), None).await
    }

    // --- Setup helpers, through `rampflow-client` ---

    /// A `rampflow-client` of this server with `key` (a party's, or the admin token).
    pub fn client_for(&self, key: &str) -> Client {
        self.operator
            .with_key(key)
            .expect("an API key is a header value")
    }

    /// A party with `id` and `key` on this server.
    pub fn party(&self, id: impl Into<String>, key: impl Into<String>) -> Party {
        Party::new(&self.address, id, key)
    }

    pub async fn create_wallet(&self, name: &str) -> Party {
        let wallet = self
            .operator
            .create_wallet(name)
            .await
            .unwrap_or_else(|e| panic!("create wallet {name:?}: {e}"));
        self.party(wallet.id.to_string(), wallet.api_key)
    }

    pub async fn create_partner(&self, name: &str) -> Party {
        let partner = self
            .operator
            .create_partner(name)
            .await
            .unwrap_or_else(|e| panic!("create partner {name:?}: {e}"));
        self.party(partner.id.to_string(), partner.api_key)
    }

    /// Creates or replaces the wallet's user `user_ref` with `data`.
    pub async fn add_user(&self, wallet: &Party, user_ref: &str, data: &UserData) -> User {
        let user = UserRef::parse(user_ref).expect("a valid user_ref");
        wallet
            .client
            .put_user(&user, data)
            .await
            .unwrap_or_else(|e| panic!("put user {user_ref}: {e}"))
    }

    /// The wallet's user `user_ref` grants `partner` access.
    pub async fn grant_access(&self, wallet: &Party, user_ref: &str, partner: &Party) -> Grant {
        let user = UserRef::parse(user_ref).expect("a valid user_ref");
        wallet
            .client
            .grant(&user, &partner.partner_id())
            .await
            .unwrap_or_else(|e| panic!("grant {user_ref} to {}: {e}", partner.id))
    }

    /// A wallet, a partner, and a user with KYC data who granted the partner access.
    pub async fn fixture(&self) -> Fixture {
        let wallet = self.create_wallet("Test Wallet").await;
        let partner = self.create_partner("Test Partner").await;
        let user_ref = "u-42".to_owned();
        let data = UserData {
            email: Some("ada@example.com".into()),
            country: Some("NG".into()),
            ..UserData::default()
        };
        self.add_user(&wallet, &user_ref, &data).await;
        self.grant_access(&wallet, &user_ref, &partner).await;
        Fixture {
            wallet,
            partner,
            user_ref,
        }
    }

    /// Creates an order in `direction` for the fixture ([`order_body`]) and returns its
    /// resource.
    pub async fn new_order(&self, fixture: &Fixture, direction: &str) -> Value {
        let request: CreateOrder = serde_json::from_value(order_body(direction, fixture))
            .expect("the standard order body is a CreateOrder");
        let order = fixture
            .wallet
            .client
            .create_order(&request)
            .await
            .unwrap_or_else(|e| panic!("create a {direction} order: {e}"));
        as_json(&order)
    }

    /// The order as the party with `key` reads it.
    pub async fn get_order(&self, key: &str, order_id: &str) -> Value {
        as_json(&self.read_order(key, order_id).await)
    }

    async fn read_order(&self, key: &str, order_id: &str) -> Order {
        let id = OrderId::parse(order_id).expect("an order id");
        self.client_for(key)
            .get_order(&id)
            .await
            .unwrap_or_else(|e| panic!("GET order {order_id}: {e}"))
    }

    /// Polls the order until it reaches `status`, or fails after `limit`.
    pub async fn wait_for_status(
        &self,
        key: &str,
        order_id: &str,
        status: &str,
        limit: Duration,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let order = self.read_order(key, order_id).await;
            if order.status.as_str() == status {
                return as_json(&order);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "order {order_id} is still {} after {limit:?}, expected {status}",
                order.status.as_str()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Registers a webhook endpoint at `url` for the party with `key`, for `event_types` (a
    /// JSON array of event type names) or every event.
    pub async fn register_endpoint(
        &self,
        key: &str,
        url: &str,
        event_types: Option<Value>,
    ) -> CreatedEndpoint {
        let event_types: Option<Vec<EventType>> =
            event_types.map(|types| serde_json::from_value(types).expect("a list of event types"));
        let endpoint = CreateEndpoint {
            event_types,
            ..CreateEndpoint::new(url)
        };
        self.client_for(key)
            .create_endpoint(&endpoint)
            .await
            .unwrap_or_else(|e| panic!("register {url}: {e}"))
    }

    // --- Wire helpers: the answer as it came, for tests of statuses and bodies ---

    /// `PUT /v1/users/{user_ref}` with any body. Setup uses [`TestApp::add_user`].
    pub async fn put_user(&self, wallet: &Party, user_ref: &str, data: &Value) -> Response {
        self.put(&format!("/v1/users/{user_ref}"), &wallet.key, data)
            .await
    }

    /// `PUT /v1/users/{user_ref}/grants/{partner_id}`. Setup uses [`TestApp::grant_access`].
    pub async fn grant(&self, wallet: &Party, user_ref: &str, partner: &Party) -> Response {
        self.put(
            &format!("/v1/users/{user_ref}/grants/{}", partner.id),
            &wallet.key,
            &json!({}),
        )
        .await
    }

    /// `POST /v1/orders` with any body, valid or not. Setup uses [`TestApp::new_order`].
    pub async fn create_order(&self, wallet: &Party, body: &Value) -> Response {
        self.post("/v1/orders", &wallet.key, body).await
    }

    /// `POST /v1/orders/{id}/{command}` with `body`: the transitions, allowed or refused, are
    /// what most tests check.
    pub async fn command(
        &self,
        key: &str,
        order_id: &str,
        command: &str,
        body: &Value,
    ) -> Response {
        self.post(&format!("/v1/orders/{order_id}/{command}"), key, body)
            .await
    }
}

/// A typed answer of the client as the JSON the tests compare: the same bytes the server sent,
/// since the client's types are the server's own (`rampflow_client::order` re-exports them).
pub fn as_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("the client's types serialize")
}

/// Checks the answer against the committed `openapi.json` ([`crate::conformance`]) and hands
/// it back, its body read and put back in place.
pub async fn conforming(method: &Method, path: &str, response: Response) -> Response {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("the answer's body is read");
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    crate::conformance::assert_conforms(method, path, status, content_type, &body);
    let mut rebuilt = http::Response::builder().status(status).version(version);
    *rebuilt.headers_mut().expect("a fresh builder") = headers;
    Response::from(rebuilt.body(body).expect("the answer is rebuilt"))
}

/// A user's data with only an email.
pub fn user_with_email(email: &str) -> UserData {
    UserData {
        email: Some(email.to_owned()),
        ..UserData::default()
    }
}

/// A user's data with only a country.
pub fn user_in(country: &str) -> UserData {
    UserData {
        country: Some(country.to_owned()),
        ..UserData::default()
    }
}

/// A valid create-order body for the fixture.
pub fn order_body(direction: &str, fixture: &Fixture) -> Value {
    json!({
        "direction": direction,
        "partner_id": fixture.partner.id,
        "user_ref": fixture.user_ref,
        "crypto": { "asset": "USDC", "network": "solana", "amount": "10.00" },
        "fiat": { "currency": "NGN", "amount": "15000.00" },
        "user_wallet_address": "F2etcaJ1userWallet",
        "payment_method": "bank_transfer",
        "external_ref": "w-991"
    })
}

/// A valid accept body: a crypto address for off-ramp, bank details for on-ramp.
pub fn accept_body(direction: &str) -> Value {
    if direction == "offramp" {
        json!({ "external_id": "p-1", "deposit": { "address": "DepositAddr111" } })
    } else {
        json!({
            "external_id": "p-1",
            "deposit": { "bank": { "name": "GTBank", "account": "0123456789", "reference": "RF-1" } }
        })
    }
}

/// The amount `funds-received` must report for the order to be consistent.
pub fn expected_funds(direction: &str) -> &'static str {
    if direction == "offramp" {
        "10.00"
    } else {
        "15000.00"
    }
}

/// Asserts the error envelope and returns it.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let body: Value = response.json().await.expect("an error body in JSON");
    assert_eq!(body["error"]["code"], code, "unexpected error: {body}");
    assert!(body["error"]["message"].is_string(), "no message: {body}");
    body
}

// --- validation / isolation / users / admin / errors helpers ---

/// Asserts a 422 `validation_failed` naming `field` (with a reason) and returns the body.
pub async fn assert_invalid_field(response: Response, field: &str) -> Value {
    let body = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        body["error"]["details"]["field"], field,
        "wrong field: {body}"
    );
    assert!(
        body["error"]["details"]["reason"].is_string(),
        "no reason: {body}"
    );
    body
}

impl TestApp {
    /// `GET {path_and_query}` expecting 200 and a page `{"data": [...], "next_cursor"}`.
    pub async fn get_page(&self, path_and_query: &str, key: &str) -> Value {
        let response = self.get(path_and_query, key).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path_and_query}");
        let page: Value = response.json().await.unwrap();
        assert!(page["data"].is_array(), "not a page: {page}");
        assert!(
            page["next_cursor"].is_null() || page["next_cursor"].is_string(),
            "bad next_cursor: {page}"
        );
        page
    }
}
