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

pub mod breaker;
mod env;
pub mod instruments;
pub mod journal;
pub mod model;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod order;
pub mod registry;
pub mod shard;
pub mod stats;
pub mod store;
pub mod webhook;
mod write;

pub use write::write_for;
