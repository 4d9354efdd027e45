//! A simulated party's webhook receiver: a real HTTP server on its own port. Like a careful
//! integrator it verifies every request with a Standard Webhooks library (never with
//! rampflow's own signing code), answers 401 to anything that does not verify, and drops
//! redeliveries of an event it already has (same `webhook-id`), answering them 200 so the
//! sender stops retrying. Verified events go to an inbox the party reads in its own time.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::{bail, Context};
use serde_json::Value;
use standardwebhooks::Webhook;
use tokio::sync::mpsc;

/// One verified webhook event.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `webhook-id`: the event id, the same on every retry.
    pub webhook_id: String,
    /// `type`, such as `order.accepted`.
    pub event_type: String,
    /// `data.id`.
    pub order_id: String,
    /// `data.version`.
    pub version: i64,
    /// `data`: the order resource as of this event.
    pub order: Value,
}

/// What a receiver has seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Requests whose signature verified, redeliveries included.
    pub verified: usize,
    /// Distinct events (by `webhook-id`) among them.
    pub events: usize,
    /// Verified redeliveries of an event already received, acknowledged and dropped.
    pub duplicates: usize,
    /// Requests refused: no secret yet, missing headers or a signature that did not verify.
    pub rejected: usize,
}

#[derive(Default)]
struct Counters {
    verified: AtomicUsize,
    events: AtomicUsize,
    duplicates: AtomicUsize,
    rejected: AtomicUsize,
}

struct Shared {
    /// The endpoint's secret; known only once the endpoint is registered, which needs the
    /// receiver's URL first.
    secret: RwLock<Option<Webhook>>,
    seen: Mutex<HashSet<String>>,
    counters: Counters,
    inbox: mpsc::UnboundedSender<Delivery>,
}

pub struct Receiver {
    name: &'static str,
    url: String,
    shared: Arc<Shared>,
    server: ServerHandle,
    inbox: mpsc::UnboundedReceiver<Delivery>,
    /// Events taken from the inbox while waiting for another one, kept for later.
    early: VecDeque<Delivery>,
    /// The last version handed out per order, to check events come in order.
    last_version: HashMap<String, i64>,
}

impl Receiver {
    /// Listens on 127.0.0.1 on a free port. Must run inside an actix `System`.
    pub async fn start(name: &'static str) -> anyhow::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .with_context(|| format!("the {name}'s webhook receiver cannot listen"))?;
        let port = listener.local_addr()?.port();
        let (sender, inbox) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            secret: RwLock::new(None),
            seen: Mutex::default(),
            counters: Counters::default(),
            inbox: sender,
        });
        let state = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/webhooks", web::post().to(receive))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Ok(Receiver {
            name,
            url: format!("http://127.0.0.1:{port}/webhooks"),
            shared,
            server: handle,
            inbox,
            early: VecDeque::new(),
            last_version: HashMap::new(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The secret the endpoint got at registration (`whsec_…`).
    pub fn set_secret(&self, secret: &str) -> anyhow::Result<()> {
        let webhook = Webhook::new(secret)
            .with_context(|| format!("the {}'s webhook secret is not valid", self.name))?;
        *self.shared.secret.write().expect("secret lock") = Some(webhook);
        Ok(())
    }

    pub fn tally(&self) -> Tally {
        let c = &self.shared.counters;
        Tally {
            verified: c.verified.load(Ordering::SeqCst),
            events: c.events.load(Ordering::SeqCst),
            duplicates: c.duplicates.load(Ordering::SeqCst),
            rejected: c.rejected.load(Ordering::SeqCst),
        }
    }

    /// Waits up to `wait` for `event_type` about `order_id`. Other events that come first are
    /// kept for a later call. Fails if none comes, or if it comes out of version order.
    pub async fn expect(
        &mut self,
        order_id: &str,
        event_type: &str,
        wait: Duration,
    ) -> anyhow::Result<Delivery> {
        let wanted = |d: &Delivery| d.order_id == order_id && d.event_type == event_type;
        let delivery = match self.early.iter().position(wanted) {
            Some(index) => self.early.remove(index).expect("the index is in range"),
            None => {
                let deadline = tokio::time::Instant::now() + wait;
                loop {
                    let next = tokio::time::timeout_at(deadline, self.inbox.recv()).await;
                    match next {
                        Ok(Some(delivery)) if wanted(&delivery) => break delivery,
                        Ok(Some(other)) => self.early.push_back(other),
                        Ok(None) => bail!("the {}'s webhook receiver stopped", self.name),
                        Err(_) => bail!(
                            "the {} received no {event_type} webhook for order {order_id} within \
                             {wait:?} (it has {:?}; receiver tally {:?})",
                            self.name,
                            self.early
                                .iter()
                                .map(|d| format!("{} v{}", d.event_type, d.version))
                                .collect::<Vec<_>>(),
                            self.tally()
                        ),
                    }
                }
            }
        };
        let last = self
            .last_version
            .insert(order_id.to_owned(), delivery.version);
        if let Some(last) = last.filter(|last| *last >= delivery.version) {
            bail!(
                "the {} received {event_type} v{} for order {order_id} after v{last}: out of order",
                self.name,
                delivery.version
            );
        }
        Ok(delivery)
    }

    /// The next event, whichever it is; `None` once the receiver stopped.
    pub async fn next(&mut self) -> Option<Delivery> {
        match self.early.pop_front() {
            Some(delivery) => Some(delivery),
            None => self.inbox.recv().await,
        }
    }

    /// Events received but never asked for.
    pub fn unclaimed(&mut self) -> Vec<Delivery> {
        while let Ok(delivery) = self.inbox.try_recv() {
            self.early.push_back(delivery);
        }
        self.early.iter().cloned().collect()
    }

    pub async fn stop(&self) {
        self.server.stop(true).await;
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let counters = &shared.counters;
    let verified = {
        let secret = shared.secret.read().expect("secret lock");
        match secret.as_ref() {
            // Not registered yet: nothing can have been signed for us.
            None => Err("no secret yet".to_owned()),
            Some(webhook) => webhook
                .verify(&body, &headers(&req))
                .map_err(|e| e.to_string()),
        }
    };
    if let Err(reason) = verified {
        counters.rejected.fetch_add(1, Ordering::SeqCst);
        return HttpResponse::Unauthorized().body(format!("webhook refused: {reason}"));
    }
    counters.verified.fetch_add(1, Ordering::SeqCst);
    let delivery = match parse(&req, &body) {
        Some(delivery) => delivery,
        None => return HttpResponse::BadRequest().body("not an order event"),
    };
    let first = shared
        .seen
        .lock()
        .expect("seen lock")
        .insert(delivery.webhook_id.clone());
    if !first {
        counters.duplicates.fetch_add(1, Ordering::SeqCst);
        return HttpResponse::Ok().body("already have it");
    }
    counters.events.fetch_add(1, Ordering::SeqCst);
    // The party may have finished listening (the demo is over); the event was still received.
    let _ = shared.inbox.send(delivery);
    HttpResponse::Ok().body("ok")
}

/// actix-web's headers as the `http` 1.x map that the standardwebhooks crate takes.
fn headers(req: &HttpRequest) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// The event in a verified body: `{"type", "timestamp", "data": <order>}`.
fn parse(req: &HttpRequest, body: &[u8]) -> Option<Delivery> {
    let webhook_id = req.headers().get("webhook-id")?.to_str().ok()?.to_owned();
    let mut event: Value = serde_json::from_slice(body).ok()?;
    let order = event.get_mut("data")?.take();
    Some(Delivery {
        webhook_id,
        event_type: event.get("type")?.as_str()?.to_owned(),
        order_id: order.get("id")?.as_str()?.to_owned(),
        version: order.get("version")?.as_i64()?,
        order,
    })
}
