//! The drivers decide *when* requests go out; a [`Workload`] decides *what* each one is.
//!
//! - [`open_loop`]: requests at a fixed arrival rate, each with an intended send time.
//! - [`closed_loop`]: a fixed number of slots, each sending its next request as soon as the
//!   previous one is answered: the way to find the maximum throughput.
//!
//! Both run one task per slot, and each slot owns its own state (its connection), so the hot
//! path has no pool and no shared lock.

mod closed_loop;
mod open_loop;

use std::future::Future;

use tokio::time::Instant;

pub use closed_loop::closed_loop;
pub use open_loop::{open_loop, Pace, Paced};

/// What a slot does once per turn.
pub trait Workload: Send + Sync + 'static {
    /// A slot's own state, usually its connection.
    type Slot: Send + 'static;

    /// One turn: sends the request meant to start at `intended` and records its outcome.
    /// Latency is measured from `intended`, not from when the turn actually began.
    fn turn(&self, slot: &mut Self::Slot, intended: Instant) -> impl Future<Output = ()> + Send;
}
