//! The Rust client: one order's whole life, the partner's webhooks received by a real local
//! HTTP receiver and verified, typed errors, idempotent creates, streams and retries.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rampflow_client::model::{Address, OrderId, Reference, UserRef, WalletId};
use rampflow_client::order::{EventType, Status};
use rampflow_client::{
    AcceptOrder, Client, Complete, CreateEndpoint, Deposit, Error, ErrorCode, Event, EventData,
    EventFilter, IdempotencyKey, OrderFilter, RetryPolicy, UserData, Webhook,
};

use crate::server::{offramp, Server};

/// A webhook receiver on a port of its own: every delivery is verified with the endpoint's
/// secret (set once the endpoint exists) and kept, or refused with 400.
struct Receiver {
    url: String,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    webhook: Mutex<Option<Webhook>>,
    events: Mutex<Vec<Event>>,
    refused: AtomicUsize,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let shared = Arc::new(Shared::default());
        let state = shared.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(receive(&state, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver { url, shared }
    }

    fn set_secret(&self, secret: &str) {
        *self.shared.webhook.lock().unwrap() = Some(Webhook::new(secret).unwrap());
    }

    fn events(&self) -> Vec<Event> {
        self.shared.events.lock().unwrap().clone()
    }

    /// Waits (at most 15 s) until `done` holds for the events received.
    async fn until(&self, done: impl Fn(&[Event]) -> bool) -> Vec<Event> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let events = self.events();
            if done(&events) {
                return events;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out; received {:?}",
                events
                    .iter()
                    .map(|e| e.data.event_type())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(state: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let webhook = state.webhook.lock().unwrap().clone();
    let verified = webhook.map(|w| w.verify(&parts.headers, &body));
    let status = match verified {
        Some(Ok(event)) => {
            state.events.lock().unwrap().push(event);
            204
        }
        _ => {
            state.refused.fetch_add(1, Ordering::SeqCst);
            400
        }
    };
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_lives_its_whole_life_through_the_client_with_verified_webhooks() {
    let server = Server::start().await;
    let operator = server.operator();
    let wallet_party = operator.create_wallet("Rust Wallet").await.unwrap();
    let partner_party = operator.create_partner("Rust Partner").await.unwrap();
    let wallet = Client::builder(&server.address, &wallet_party.api_key)
        .page_size(1)
        .build()
        .unwrap();
    let partner = operator.with_key(&partner_party.api_key).unwrap();
    let partner_id = partner_party.id;

    // The operator's lists follow their cursors.
    let partners: Vec<_> = operator.partners().try_collect().await.unwrap();
    assert_eq!(partners.len(), 1);
    assert_eq!(partners[0].id, partner_id);

    let receiver = Receiver::start().await;
    let endpoint = partner
        .create_endpoint(&CreateEndpoint::new(&receiver.url))
        .await
        .unwrap();
    assert!(endpoint.secret.starts_with("whsec_"));
    receiver.set_secret(&endpoint.secret);

    let user = UserRef::parse("rust-user-1").unwrap();
    let data = UserData {
        email: Some("ada@example.com".into()),
        country: Some("NG".into()),
        ..Default::default()
    };
    assert_eq!(wallet.put_user(&user, &data).await.unwrap().data, data);
    wallet.grant(&user, &partner_id).await.unwrap();
    let grants: Vec<_> = wallet.grants(&user).try_collect().await.unwrap();
    assert_eq!(grants.len(), 1);

    // A key given by the caller replays the first answer: one order, not two.
    let key = IdempotencyKey::new("rust-create-1").unwrap();
    let body = offramp(&partner_id, &user, "w-rust-1");
    let order = wallet
        .create_order_with_key(&body, Some(key.clone()))
        .await
        .unwrap();
    let replay = wallet
        .create_order_with_key(&body, Some(key.clone()))
        .await
        .unwrap();
    assert_eq!(replay, order);
    assert_eq!((order.status, order.version), (Status::Created, 1));
    // The same key with another body is a typed 409.
    let conflict = wallet
        .create_order_with_key(&offramp(&partner_id, &user, "w-rust-9"), Some(key))
        .await
        .unwrap_err();
    assert_eq!(conflict.code(), Some(ErrorCode::IdempotencyConflict));
    // Without a key the client makes one per call.
    let other = wallet
        .create_order(&offramp(&partner_id, &user, "w-rust-2"))
        .await
        .unwrap();
    assert_ne!(other.id, order.id);

    let id = order.id;
    assert_eq!(
        partner.order_user(&id).await.unwrap().data.email,
        data.email
    );
    let deposit = Deposit::Crypto {
        address: Address::parse("DepositAddr1").unwrap(),
        tag: None,
    };
    let accepted = partner
        .accept_order(&id, &AcceptOrder::new(deposit.clone()))
        .await
        .unwrap();
    assert_eq!(accepted.status, Status::Accepted);
    // Repeating a command that already took effect answers the order as it is.
    let repeated = partner
        .accept_order(&id, &AcceptOrder::new(deposit))
        .await
        .unwrap();
    assert_eq!(repeated.version, accepted.version);
    let sent = wallet
        .funds_sent(&id, Some(&Reference::parse("tx-in-1").unwrap()))
        .await
        .unwrap();
    assert_eq!(sent.status, Status::FundsSent);
    let received = partner
        .funds_received(&id, order.expected_funds(), None)
        .await
        .unwrap();
    assert_eq!(received.status, Status::FundsReceived);
    let completed = partner
        .complete_order(&id, &Complete::new(Reference::parse("bank-tx-1").unwrap()))
        .await
        .unwrap();
    assert_eq!(completed.status, Status::Completed);
    assert_eq!(
        completed
            .history
            .iter()
            .map(|h| h.status)
            .collect::<Vec<_>>(),
        [
            Status::Created,
            Status::Accepted,
            Status::FundsSent,
            Status::FundsReceived,
            Status::Completed
        ]
    );
    assert_eq!(wallet.get_order(&id).await.unwrap(), completed);

    // Errors are the envelope, typed, with the status and the request id.
    let Err(Error::Api(late)) = wallet.cancel_order(&id).await else {
        panic!("cancelling a completed order must fail");
    };
    assert_eq!(late.status, reqwest::StatusCode::CONFLICT);
    assert_eq!(late.code, Some(ErrorCode::InvalidTransition));
    assert_eq!(late.details["status"], "completed");
    assert!(late.request_id.is_some());
    let forbidden = wallet
        .accept_order(
            &other.id,
            &AcceptOrder::new(Deposit::Crypto {
                address: Address::parse("X1").unwrap(),
                tag: None,
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(forbidden.code(), Some(ErrorCode::Forbidden));

    // Streams follow cursors (the wallet's pages hold one order each).
    let mut ids: Vec<_> = wallet
        .orders(&OrderFilter::default())
        .map_ok(|o| o.id)
        .try_collect()
        .await
        .unwrap();
    ids.sort();
    let mut expected = vec![order.id, other.id];
    expected.sort();
    assert_eq!(ids, expected);
    let completed_only: Vec<_> = wallet
        .orders(&OrderFilter {
            status: Some(Status::Completed),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(completed_only.len(), 1);
    let log: Vec<_> = wallet.access_log(&user).try_collect().await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].order_id, id);

    // The partner's endpoint got the order's events in version order, each verified and typed.
    let events = receiver
        .until(|events| {
            events
                .iter()
                .any(|e| matches!(&e.data, EventData::OrderCompleted(o) if o.id == id))
        })
        .await;
    let mine: Vec<_> = events.iter().filter(|e| e.data.order().id == id).collect();
    assert_eq!(
        mine.iter().map(|e| e.data.event_type()).collect::<Vec<_>>(),
        [
            EventType::Created,
            EventType::Accepted,
            EventType::FundsSent,
            EventType::FundsReceived,
            EventType::Completed
        ]
    );
    assert_eq!(
        mine.iter()
            .map(|e| e.data.order().version)
            .collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(receiver.shared.refused.load(Ordering::SeqCst), 0);
    // The webhook-id is the event's id: the events API finds it, with its delivery.
    let listed: Vec<_> = partner
        .events(&EventFilter {
            order_id: Some(id),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 5);
    let first = &mine[0].webhook_id;
    let event = listed
        .iter()
        .find(|e| &e.id.to_string() == first)
        .expect("the webhook-id is an event id");
    let detail = partner.get_event(&event.id).await.unwrap();
    assert_eq!(detail.deliveries.len(), 1);

    // A body changed on the way does not verify.
    let webhook = Webhook::new(&endpoint.secret).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    assert!(webhook
        .verify_parts("msg_1", &now, "v1,AAAA", b"{}")
        .is_err());

    // The operator's view.
    let stats = operator.ops_stats().await.unwrap();
    assert!(stats.actors.rehydrated);
    assert_eq!(operator.ops_cluster().await.unwrap().nodes.len(), 1);
}

/// A server that answers `503 overloaded` with `Retry-After: 1` once, then 201; it records
/// each request's `Idempotency-Key`.
#[tokio::test]
async fn a_create_is_retried_after_retry_after_with_the_same_idempotency_key() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let keys = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = keys.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let seen = seen.clone();
                    async move {
                        let key = req.headers()["idempotency-key"]
                            .to_str()
                            .unwrap()
                            .to_owned();
                        let first = {
                            let mut keys = seen.lock().unwrap();
                            keys.push(key);
                            keys.len() == 1
                        };
                        let response = if first {
                            Response::builder()
                                .status(503)
                                .header("retry-after", "1")
                                .header("x-request-id", "r-1")
                                .body(Full::new(Bytes::from_static(
                                    br#"{"error":{"code":"overloaded","message":"busy","details":null}}"#,
                                )))
                        } else {
                            Response::builder().status(201).body(Full::new(Bytes::from_static(
                                br#"{"id":"01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f","name":"W","api_key":"k","created_at":"2026-11-22T10:15:30.123Z"}"#,
                            )))
                        };
                        Ok::<_, Infallible>(response.unwrap())
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let observed = Arc::new(Mutex::new(Vec::new()));
    let log = observed.clone();
    let client = Client::builder(&base, "k")
        .observe(move |e: &rampflow_client::Exchange<'_>| {
            log.lock()
                .unwrap()
                .push((e.attempt, e.status.as_u16(), e.path.to_owned()))
        })
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let wallet = client.create_wallet("W").await.unwrap();
    assert_eq!(wallet.name, "W");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After is honoured"
    );
    let keys = keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "a retry carries the same Idempotency-Key");
    // An observer sees every answer, the retried one included.
    assert_eq!(
        *observed.lock().unwrap(),
        [
            (1, 503, "/v1/admin/wallets".to_owned()),
            (2, 201, "/v1/admin/wallets".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    // A port nobody listens on: bound, then closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder(format!("http://127.0.0.1:{port}"), "k")
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = client.ops_stats().await.unwrap_err();
    assert!(
        matches!(error, Error::Transport(ref e) if e.is_connect()),
        "{error}"
    );
    // Two backoffs of about 10 and 20 ms were waited.
    assert!(started.elapsed() >= Duration::from_millis(20));
}

/// A server that always answers `503 commit_unknown` with `Retry-After: 0`; it counts the
/// requests it gets.
async fn always_commit_unknown() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req: Request<Incoming>| {
                    seen.fetch_add(1, Ordering::SeqCst);
                    async move {
                        Ok::<_, Infallible>(
                            Response::builder()
                                .status(503)
                                .header("retry-after", "0")
                                .body(Full::new(Bytes::from_static(
                                    br#"{"error":{"code":"commit_unknown","message":"?","details":null}}"#,
                                )))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (base, count)
}

#[tokio::test]
async fn commit_unknown_is_retried_for_a_command_and_not_for_a_key_rotation() {
    let (base, count) = always_commit_unknown().await;
    let client = Client::new(&base, "k").unwrap();
    let wallet = WalletId::parse("01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f").unwrap();
    let error = client.rotate_wallet_key(&wallet).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::CommitUnknown));
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "a rotation is not sent twice"
    );
    let order = OrderId::parse("01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f").unwrap();
    let Err(Error::Api(error)) = client.cancel_order(&order).await else {
        panic!("the fake server only answers 503");
    };
    assert_eq!(error.retry_after, Some(Duration::ZERO));
    assert_eq!(
        count.load(Ordering::SeqCst),
        1 + RetryPolicy::default().max_attempts as usize,
        "a command is sent again, up to the policy's attempts"
    );
}
