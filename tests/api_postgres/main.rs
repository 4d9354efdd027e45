//! The black-box suite of `tests/api` again, with the server on PostgreSQL: every test module
//! that drives the server against its database, compiled from the same files, each test on a
//! PostgreSQL database of its own (dropped after it). `RAMPFLOW_TEST_DATABASE=sqlite` runs
//! this binary on SQLite instead.
//!
//! Left out, because the server's engine makes no difference to them:
//!
//! - `dashboard`: the committed Grafana dashboard against the metric families `/metrics`
//!   exports, which are the process's own;
//! - `demo`: `rampflow demo` makes its own SQLite database;
//! - `scale`: `rampflow scale` makes its own SQLite databases, and its store test runs on
//!   both engines already;
//! - `journal_batch`, `delivery_batch`, `housekeeping`: the store itself, no server, each
//!   test on both engines already;
//! - `postgres`: always on PostgreSQL already.
//!
//! `openapi` stays: beside its checks of the document, it serves every documented operation
//! and checks real responses, read back from the database, against their schemas.

#[path = "../api/helpers.rs"]
mod helpers;

/// The engine the server runs on unless `RAMPFLOW_TEST_DATABASE` names another.
pub const DEFAULT_ENGINE: helpers::Engine = helpers::Engine::Postgres;

#[path = "../api/admin.rs"]
mod admin;
#[path = "../api/concurrency.rs"]
mod concurrency;
#[path = "../api/errors.rs"]
mod errors;
#[path = "../api/events_api.rs"]
mod events_api;
#[path = "../api/idempotency.rs"]
mod idempotency;
#[path = "../api/isolation.rs"]
mod isolation;
#[path = "../api/lifecycle.rs"]
mod lifecycle;
#[path = "../api/loadgen.rs"]
mod loadgen;
#[path = "../api/logs.rs"]
mod logs;
#[path = "../api/metrics.rs"]
mod metrics;
#[path = "../api/openapi.rs"]
mod openapi;
#[path = "../api/ops.rs"]
mod ops;
#[path = "../api/overload.rs"]
mod overload;
#[path = "../api/quotes.rs"]
mod quotes;
#[path = "../api/rate_limit.rs"]
mod rate_limit;
#[path = "../api/receiver.rs"]
mod receiver;
#[path = "../api/recovery.rs"]
mod recovery;
#[path = "../api/secrets.rs"]
mod secrets;
#[path = "../api/smoke.rs"]
mod smoke;
#[path = "../api/timers.rs"]
mod timers;
#[path = "../api/users.rs"]
mod users;
#[path = "../api/validation.rs"]
mod validation;
#[path = "../api/webhook_endpoints.rs"]
mod webhook_endpoints;
#[path = "../api/webhooks.rs"]
mod webhooks;
