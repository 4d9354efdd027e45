//! Black-box tests: the real server on a random port with a fresh SQLite database per test,
//! driven over HTTP like a wallet, a partner and an operator would. `api_postgres` runs the
//! same tests on PostgreSQL; `RAMPFLOW_TEST_DATABASE=postgres` runs this binary there too.

mod helpers;

/// The engine the server runs on unless `RAMPFLOW_TEST_DATABASE` names another.
pub const DEFAULT_ENGINE: helpers::Engine = helpers::Engine::Sqlite;

mod admin;
mod cluster;
mod concurrency;
mod dashboard;
mod delivery_batch;
mod delivery_claim_plan;
mod delivery_migration;
mod demo;
mod environment;
mod errors;
mod events_api;
mod fault_proxy;
mod full_disk;
mod housekeeping;
mod idempotency;
mod isolation;
mod journal_batch;
mod lifecycle;
mod loadgen;
mod logs;
mod metrics;
mod openapi;
mod ops;
mod outage;
mod overload;
mod postgres;
mod quotes;
mod rate_limit;
mod receiver;
mod recovery;
mod scale;
mod secrets;
mod shutdown;
mod smoke;
mod timers;
mod users;
mod validation;
mod webhook_endpoints;
mod webhooks;
