//! `rampflow loadgen`: a load generator for rampflow (and for its bare floor), in the library
//! so the tests drive it too.
//!
//! # Layout
//! - [`cli`]: the `loadgen` command's arguments and what it prints; [`child`] starts
//!   `rampflow serve` / `rampflow floor` as child processes for `--spawn` and `--floor`;
//!   [`cluster`] starts a cluster of them on a PostgreSQL database made for the run for
//!   `--spawn-cluster`.
//! - [`run`]: one run, [`run::prepare`] then [`run::Prepared::execute`], on one node or round
//!   robin over the nodes of a cluster.
//! - [`setup`]: wallets, partners, users, grants and webhook endpoints, through the API with
//!   `rampflow-client`, as every call off the hot loop (ops reports, reads for verification).
//! - [`scenario`]: `create`, `lifecycle`, `webhooks`, `mixed`, built on the prebuilt requests
//!   of [`orders`]; [`forward`]: the cost of forwarding a command to its order's owner;
//!   [`via_client`]: `create` through `rampflow-client`, to measure what the client costs.
//! - [`failover`]: `kill -9` of a node of a spawned cluster, and how long its orders wait.
//! - [`shards`]: which node owns which order, from `GET /v1/ops/cluster`.
//! - [`driver`]: open loop (fixed arrival rate, latency from the intended send time) and
//!   closed loop (fixed concurrency).
//! - [`receiver`]: the simulated wallets' and partners' webhook receivers, which verify every
//!   signature and carry lifecycle orders on; [`tracker`] follows those orders to `completed`.
//! - [`client`]: one hyper HTTP/1.1 connection per slot, for the hot loop; [`stats`]: what is recorded;
//!   [`report`]: the table and the JSON.

pub mod child;
pub mod cli;
pub mod client;
pub mod cluster;
pub mod driver;
pub mod failover;
pub mod forward;
pub mod orders;
pub mod receiver;
pub mod report;
pub mod run;
pub mod scenario;
pub mod setup;
pub mod shards;
pub mod stats;
pub mod tracker;
pub mod via_client;

pub use run::{prepare, Load, LoadgenError, Plan, Prepared, Server};
pub use scenario::{Mix, Scenario};
pub use setup::Population;
