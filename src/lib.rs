//! rampflow: an order server for crypto on-ramp and off-ramp.
//!
//! # Layout
//! - [`config`]: layered settings (compiled-in defaults, `--config FILE`, `RAMPFLOW_*`).
//! - [`startup`]: [`startup::Application`] builds the whole service on a listener and runs it,
//!   so tests start the real thing on port 0.
//! - [`http`]: the actix-web front end, one module per resource, plus auth, errors, JSON
//!   bodies, pagination and idempotency.
//! - [`store`]: sqlx queries per aggregate; implements the actors' `OrderStore`.
//! - [`cluster`]: several nodes on one PostgreSQL database: shard leases, handover,
//!   forwarding, and caches that stay right across nodes.
//! - [`keys`]: secrets at rest: the master key, data keys, sealed records, key rotation.
//! - [`telemetry`]: the tracing subscriber.
//! - [`demo`]: `rampflow demo`, the server with a simulated wallet and partner, narrated.
//! - [`loadgen`]: `rampflow loadgen`, the load generator; [`floor`]: `rampflow floor`, the bare
//!   HTTP floor its figures are compared with.
//! - [`scale`]: `rampflow scale`, the scale figures (memory per idle order, rehydration time,
//!   timer lateness) on a seeded database of N live orders.
//!
//! The order model, the pure state machine and the actors live in the `rampflow-actors` crate.

pub mod cluster;
pub mod config;
pub mod demo;
pub mod environment;
pub mod floor;
pub mod http;
pub mod keys;
pub mod kyc;
pub mod loadgen;
pub mod pricing;
pub mod scale;
pub mod startup;
pub mod store;
pub mod telemetry;
