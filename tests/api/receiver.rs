//! A real webhook receiver on a random port: it records every request and answers from a
//! script (status, `Retry-After`, a delay), then 200 once the script runs out. Signatures are
//! checked with the `standardwebhooks` crate, never with our own signing code.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    StatusWithRetryAfter(u16, String),
    /// Answer 200 only after this long (longer than the webhook timeout makes a timeout).
    Delay(Duration),
    /// Answer this status after this long.
    DelayThen(Duration, u16),
    /// Answer this status once the test calls [`Receiver::release`] (at once if it already did).
    Hold(u16),
}

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: http::HeaderMap,
    pub body: String,
    pub at: Instant,
    /// The status the receiver chose for this request (after a `Delay`, the sender may have
    /// given up before it came).
    pub status: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("webhook bodies are JSON")
    }

    pub fn webhook_id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }

    pub fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap().to_owned()
    }

    /// `data.id`: the order this event is about.
    pub fn order_id(&self) -> String {
        self.json()["data"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// `data.version`.
    pub fn version(&self) -> i64 {
        self.json()["data"]["version"]
            .as_i64()
            .expect("data.version")
    }

    /// Whether the receiver answered 2xx.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `type vN -> status`, for failure messages.
    pub fn summary(&self) -> String {
        let json = self.json();
        format!(
            "{} {} v{} -> {}",
            json["data"]["id"].as_str().unwrap_or("?"),
            json["type"].as_str().unwrap_or("?"),
            json["data"]["version"],
            self.status
        )
    }

    /// Verifies the signature with `secret` using the standardwebhooks crate.
    pub fn verify(&self, secret: &str) -> bool {
        let webhook = standardwebhooks::Webhook::new(secret).expect("a valid whsec_ secret");
        webhook.verify(self.body.as_bytes(), &self.headers).is_ok()
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Reply>>,
    /// `data.id` -> status: these orders' requests get that status, whatever the script says.
    failing_orders: Mutex<HashMap<String, u16>>,
    /// Set by `release`: `Hold` replies go out.
    released: AtomicBool,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    server: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        Receiver::start_on(0).await
    }

    /// Listens on 127.0.0.1:`port` (0: any free port), retrying for a while if the port is
    /// still taken (a receiver that comes back on the port its endpoint was registered with).
    pub async fn start_on(port: u16) -> Receiver {
        Receiver::start_with(port, Arc::new(Shared::default())).await
    }

    async fn start_with(port: u16, shared: Arc<Shared>) -> Receiver {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match Receiver::try_start(port, shared.clone()).await {
                Ok(receiver) => return receiver,
                Err(error) => {
                    assert!(
                        tokio::time::Instant::now() < deadline,
                        "the receiver could not bind 127.0.0.1:{port}: {error}"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    async fn try_start(port: u16, shared: Arc<Shared>) -> std::io::Result<Receiver> {
        let state = web::Data::from(shared.clone());
        let (ready, started) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(state.clone())
                        .default_service(web::to(receive))
                })
                .workers(1)
                .disable_signals()
                .bind(("127.0.0.1", port));
                let server = match server {
                    Ok(server) => server,
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                let port = server.addrs()[0].port();
                let server = server.run();
                let _ = ready.send(Ok((port, server.handle())));
                let _ = server.await;
            })
        });
        let (port, server) = match started.await.expect("the receiver thread answered") {
            Ok(started) => started,
            Err(error) => {
                let _ = thread.join();
                return Err(error);
            }
        };
        Ok(Receiver {
            url: format!("http://127.0.0.1:{port}/hooks"),
            shared,
            server,
            thread: Some(thread),
        })
    }

    /// The next requests are answered with these, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until at least `count` requests arrived, or fails after `limit`.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the receiver got {} of {count} requests within {limit:?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every request for the order with this id (`data.id`) is answered with `status`, ahead
    /// of the script and without using it up.
    pub fn fail_order(&self, order_id: &str, status: u16) {
        self.shared
            .failing_orders
            .lock()
            .unwrap()
            .insert(order_id.to_owned(), status);
    }

    /// Undoes `fail_order`: the order's requests follow the script again.
    pub fn clear_order(&self, order_id: &str) {
        self.shared.failing_orders.lock().unwrap().remove(order_id);
    }

    /// Lets every `Hold` reply go out, those waiting now and those to come.
    pub fn release(&self) {
        self.shared.released.store(true, Ordering::SeqCst);
    }

    /// The requests about the order with this id, in arrival order.
    pub fn received_for(&self, order_id: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.order_id() == order_id)
            .collect()
    }

    /// Waits until at least `count` requests about this order arrived, or fails after `limit`.
    pub async fn wait_for_order(
        &self,
        order_id: &str,
        count: usize,
        limit: Duration,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let received = self.received_for(order_id);
            if received.len() >= count {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the receiver got {} of {count} requests for order {order_id} within {limit:?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `done` holds for the requests received so far, or fails after `limit`.
    pub async fn wait_until(
        &self,
        what: &str,
        limit: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: not within {limit:?}; received {:?}",
                received.iter().map(Received::summary).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops listening (the port stays unused until `start_on` takes it again).
    pub fn stop(&mut self) {
        drop(self.server.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let order_id = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|json| json["data"]["id"].as_str().map(str::to_owned));
    let failing = order_id.and_then(|id| shared.failing_orders.lock().unwrap().get(&id).copied());
    let reply = match failing {
        Some(status) => Some(Reply::Status(status)),
        None => shared.script.lock().unwrap().pop_front(),
    };
    let status = match &reply {
        None | Some(Reply::Delay(_)) => 200,
        Some(Reply::Status(status))
        | Some(Reply::StatusWithRetryAfter(status, _))
        | Some(Reply::DelayThen(_, status))
        | Some(Reply::Hold(status)) => *status,
    };
    shared.received.lock().unwrap().push(Received {
        headers,
        body,
        at: Instant::now(),
        status,
    });
    let answer = |status: u16, text: &'static str| {
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body(text)
    };
    match reply {
        None => HttpResponse::Ok().body("ok"),
        Some(Reply::Status(status)) => answer(status, "scripted"),
        Some(Reply::StatusWithRetryAfter(status, retry_after)) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                .insert_header(("Retry-After", retry_after))
                .body("scripted")
        }
        Some(Reply::Delay(delay)) => {
            actix_web::rt::time::sleep(delay).await;
            HttpResponse::Ok().body("late")
        }
        Some(Reply::DelayThen(delay, status)) => {
            actix_web::rt::time::sleep(delay).await;
            answer(status, "late")
        }
        Some(Reply::Hold(status)) => {
            while !shared.released.load(Ordering::SeqCst) {
                actix_web::rt::time::sleep(Duration::from_millis(10)).await;
            }
            answer(status, "released")
        }
    }
}
