//! A typed async client of rampflow's HTTP API, for the three roles that call it: the
//! **operator** (the admin token), **wallets** and **partners** (their API keys), and a
//! verifier of the webhooks rampflow sends.
//!
//! ```toml
//! [dependencies]
//! rampflow-client = { git = "…", package = "rampflow-client" }
//! ```
//!
//! # The wallet: a user, a grant, an order
//! ```
//! # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/doc/world.rs"));
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let world = World::start().await;
//! # let base = world.base.as_str();
//! # let (wallet_key, partner_id) = (world.wallet_key.as_str(), world.partner_id);
//! use rampflow_client::model::{Address, Amount, AssetCode, FiatCurrency, Network, PaymentMethod, UserRef};
//! use rampflow_client::order::{Crypto, Direction, Fiat};
//! use rampflow_client::{Client, CreateOrder, UserData};
//!
//! let wallet = Client::new(base, wallet_key)?; // base: the server's URL
//! let user = UserRef::parse("u-42")?;
//! wallet.put_user(&user, &UserData { email: Some("ada@example.com".into()), ..Default::default() }).await?;
//! wallet.grant(&user, &partner_id).await?;
//! let order = wallet.create_order(&CreateOrder {
//!     direction: Some(Direction::Offramp), partner_id: Some(partner_id), user_ref: user,
//!     crypto: Some(Crypto { asset: AssetCode::parse("USDC")?, network: Network::parse("solana")?, amount: Amount::parse("10.00")? }),
//!     fiat: Some(Fiat { currency: FiatCurrency::parse("NGN")?, amount: Amount::parse("15000.00")? }),
//!     quote_id: None, user_wallet_address: Address::parse("F2etcaJ1abc")?,
//!     payment_method: PaymentMethod::parse("bank_transfer")?, external_ref: None,
//! }).await?; // carries an Idempotency-Key: a retry never makes two orders
//! # assert_eq!(order.status, rampflow_client::order::Status::Created);
//! # Ok(()) }
//! ```
//!
//! # The partner: accept, confirm the funds, complete
//! ```
//! # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/doc/world.rs"));
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let world = World::start().await;
//! # let base = world.base.as_str();
//! # let (partner_key, id) = (world.partner_key.as_str(), world.order().await);
//! use rampflow_client::model::{Address, Reference};
//! use rampflow_client::{AcceptOrder, Client, Complete, Deposit, ErrorCode};
//!
//! let partner = Client::new(base, partner_key)?;
//! let order = partner.get_order(&id).await?;
//! let user = partner.order_user(&id).await?; // 403 access_not_granted once the grant is revoked
//! let deposit = Deposit::Crypto { address: Address::parse("DepositAddr1")?, tag: None };
//! match partner.accept_order(&id, &AcceptOrder::new(deposit)).await {
//!     Err(e) if e.code() == Some(ErrorCode::InvalidTransition) => return Ok(()), // expired, cancelled…
//!     other => other?,
//! };
//! partner.funds_received(&id, order.expected_funds(), None).await?;
//! partner.complete_order(&id, &Complete::new(Reference::parse("bank-tx-1")?)).await?;
//! # let _ = user;
//! # assert_eq!(partner.get_order(&id).await?.status, rampflow_client::order::Status::Completed);
//! # Ok(()) }
//! ```
//!
//! # Receiving webhooks
//! ```
//! # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/doc/world.rs"));
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let world = World::start().await;
//! # let base = world.base.as_str();
//! # let (endpoint_secret, Delivery { headers, body }) = world.delivery().await;
//! # let mut seen = std::collections::HashSet::new();
//! # let mut first_time = |id: &str| seen.insert(id.to_owned());
//! # let mut created = None;
//! use rampflow_client::{EventData, Webhook};
//!
//! let webhook = Webhook::new(&endpoint_secret)?; // whsec_…, from create_endpoint
//! let event = webhook.verify(&headers, &body)?;  // Err: answer 400, not from rampflow or replayed
//! if first_time(&event.webhook_id) {             // a retried delivery has the same webhook-id
//!     if let EventData::OrderCreated(order) = event.data { /* … */
//! #       created = Some(order.id);
//!     }
//! }
//! # assert!(created.is_some(), "the first delivery is the order's order.created");
//! # assert!(!first_time(&event.webhook_id), "a second delivery of it is not new");
//! # Ok(()) }
//! ```
//!
//! # The operator: parties and their keys
//! ```
//! # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/doc/world.rs"));
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let world = World::start().await;
//! # let base = world.base.as_str();
//! # let admin_token = world.admin_token;
//! use futures::TryStreamExt;
//! use rampflow_client::Client;
//!
//! let operator = Client::new(base, admin_token)?;
//! let wallet = operator.create_wallet("Acme Wallet").await?; // wallet.api_key is shown once
//! let partner = operator.create_partner("Lagos Ramp").await?;
//! let partners: Vec<_> = operator.partners().try_collect().await?; // follows cursors
//! println!("{} partners; live actors: {}", partners.len(), operator.ops_stats().await?.actors.live);
//! # assert!(partners.iter().any(|p| p.id == partner.id));
//! # let _ = wallet; Ok(()) }
//! ```
//!
//! `cargo test --doc -p rampflow-client` runs these examples against a real server it starts
//! on port 0, with a real webhook delivery for the receiver's (their hidden lines set that up:
//! `client/tests/doc/world.rs`). The README shows the same examples, and the whole life of an
//! order runs in this crate's tests (`client/tests/live/`).
//!
//! # Errors and retries
//! Every non-2xx answer is an [`ApiError`]: the envelope's `code` (an [`ErrorCode`], the
//! server's own type, with the text as sent in `raw_code`, so a code newer than this client is
//! kept), `message` and `details`, the HTTP status, the `x-request-id` and any `Retry-After`. Creates carry an
//! `Idempotency-Key` (a fresh UUIDv7 unless given with a `*_with_key` method), so they are
//! retried like the idempotent calls. What is retried, and how long the client waits, is
//! [`RetryPolicy`]'s to say (see [`retry`]).
//!
//! # Layout
//! - [`Client`] (`client.rs`): the key, the URL, sending with retries, pagination as a
//!   `Stream`.
//! - `api/`: one file per resource, with its wire types and its `Client` methods — `admin`
//!   (operator, ops), `users` (users, grants, access log), `orders` (create, list, every
//!   command), `pricing` (price lists, fees, quotes), `events` (webhook endpoints, events).
//! - [`Webhook`] (`webhook.rs`): Standard Webhooks verification into a typed [`Event`].
//! - [`error`], [`retry`].
//!
//! # Why the domain types come from `rampflow-actors`
//! The order resource, its parts and the value types (`Amount`, `AssetCode`, `OrderId`, …)
//! are the server's own types, re-exported here as [`model`] and [`order`]: the server
//! serializes exactly these, so the client cannot drift from it, and a value that parses here
//! is one the server accepts. `rampflow-actors` is used with `default-features = false`: its
//! `runtime` feature (actix, the registry, the journal, webhook delivery) is left out, so an
//! integrator's build holds serde, chrono, uuid and rust_decimal, not actix. Request bodies
//! and the other responses are defined here: on the server they live in the HTTP layer.

mod api;
mod client;
pub mod error;
pub mod retry;
mod webhook;

pub use api::admin::{
    ActorStats, ClusterNode, ClusterReport, ClusterShard, EndpointBacklog, OpsStats, Party,
    PartyWithKey, WebhookBacklog,
};
pub use api::events::{
    Attempt, CreateEndpoint, CreatedEndpoint, Delivery, DeliveryState, Endpoint, EventFilter,
    EventRecord, EventWithDeliveries, Payload, Redelivery, RotatedSecret,
};
pub use api::orders::{AcceptOrder, Complete, CreateOrder, Deposit, OrderFilter, RefundOrder};
pub use api::pricing::{CryptoPair, FeeSchedule, PriceList, PricePair, Quote, QuoteRequest};
pub use api::users::{Access, BankAccount, Grant, IdentityDocument, PersonName, User, UserData};
pub use client::{Client, ClientBuilder, Exchange, IdempotencyKey, Page, PageRequest};
pub use error::{ApiError, Error, ErrorCode};
pub use retry::RetryPolicy;
pub use webhook::{Event, EventData, Webhook, WebhookError};

/// The value types of the wire (`rampflow_actors::model`): each has a `parse` that refuses
/// what the server would refuse.
pub mod model {
    pub use rampflow_actors::model::*;
}

/// The order resource and its parts (`rampflow_actors::order`'s wire types).
pub mod order {
    pub use rampflow_actors::order::{
        BankDetails, Crypto, Deposit, Direction, EventType, Failure, Fee, FeeType, Fiat, Funds,
        HistoryEntry, Order, Refund, Status, Tag, TagType,
    };
}
