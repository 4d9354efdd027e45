//! rampflow's core: the order model, the pure state machine, and the actors that run it.
//!
//! # Layout
//! - [`model`]: domain newtypes parsed at the edge (amounts, codes, ids, timestamps, text).
//! - [`order`]: the order resource, its commands, `decide` (pure), and [`order::OrderActor`].
//! - [`registry`]: the directory of live order actors, activation, placement, rehydration.
//! - [`breaker`]: the database circuit breaker: is the database reachable right now?
//! - [`journal`]: group commit of order changes through one bounded queue.
//! - [`shard`]: orders map to shards; the node's view of the shards it owns and its lease.
//! - [`store`]: the persistence interface the service implements with sqlx.
//! - [`stats`]: atomic counters for ops.
//! - [`instruments`]: the Prometheus metrics the actors record (through the `metrics` facade).
//!
//! # Features
//! `runtime` (on by default) is everything above that runs orders. Without it the crate is
//! the wire model only: [`model`] and, in [`order`], the order resource, its commands and
//! events and the pure `decide`. `rampflow-client` uses it that way, so an integrator's build
//! carries no actix.

#[cfg(feature = "runtime")]
pub mod breaker;
#[cfg(feature = "runtime")]
pub mod crossings;
#[cfg(feature = "runtime")]
mod env;
#[cfg(feature = "runtime")]
pub mod instruments;
#[cfg(feature = "runtime")]
pub mod journal;
pub mod model;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod order;
#[cfg(feature = "runtime")]
pub mod registry;
#[cfg(feature = "runtime")]
pub mod shard;
#[cfg(feature = "runtime")]
pub mod stats;
#[cfg(feature = "runtime")]
pub mod store;
#[cfg(feature = "runtime")]
pub mod webhook;
#[cfg(feature = "runtime")]
mod write;

#[cfg(feature = "runtime")]
pub use write::{document_in_event_payload, write_for};
