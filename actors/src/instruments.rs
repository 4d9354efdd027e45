//! Prometheus-style metrics the actors record where things happen, through the `metrics`
//! facade. The service installs the recorder and serves `GET /metrics`; without a recorder
//! every call here is a no-op. The atomics in [`crate::stats`] and
//! [`crate::journal::JournalStats`] stay: they feed `/v1/ops/stats` and the gauges the service
//! sets at scrape time.
//!
//! Every label value is one of a fixed set (a status, a command name, a timer kind, an
//! outcome); no label ever carries an order id or any other unbounded value.
//!
//! One figure has a second listener: a process may install a [`observe_timer_lateness`]
//! observer, which sees every timer's lateness exactly (`rampflow scale` takes percentiles
//! over a million timers that way, where Prometheus buckets would blur them).

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, histogram, Unit};

use crate::order::{Status, TimerKind};
use crate::webhook::store::NextStep;

pub const ORDER_ACTORS: &str = "rampflow_order_actors";
pub const ORDERS_LIVE: &str = "rampflow_orders_live";
pub const ACTIVATIONS: &str = "rampflow_order_actor_activations_total";
pub const PASSIVATIONS: &str = "rampflow_order_actor_passivations_total";
pub const RESTARTS: &str = "rampflow_order_actor_restarts_total";
pub const MAILBOX_DEPTH: &str = "rampflow_order_mailbox_depth";
pub const COMMAND_DURATION: &str = "rampflow_order_command_duration_seconds";
pub const TRANSITIONS: &str = "rampflow_order_transitions_total";
pub const TIMERS_PENDING: &str = "rampflow_timers_pending";
pub const TIMERS_FIRED: &str = "rampflow_timers_fired_total";
pub const TIMER_LATENESS: &str = "rampflow_timer_lateness_seconds";
pub const JOURNAL_QUEUE_DEPTH: &str = "rampflow_journal_queue_depth";
pub const JOURNAL_BATCH_ROWS: &str = "rampflow_journal_batch_rows";
pub const JOURNAL_COMMIT_DURATION: &str = "rampflow_journal_commit_duration_seconds";
pub const JOURNAL_RETRIES: &str = "rampflow_journal_retries_total";
pub const JOURNAL_CHECKPOINT_DURATION: &str = "rampflow_journal_checkpoint_duration_seconds";
pub const DATABASE_UNREACHABLE: &str = "rampflow_database_unreachable";
pub const DATABASE_OUTAGES: &str = "rampflow_database_outages_total";
pub const COMMITS_UNKNOWN: &str = "rampflow_journal_commits_unknown_total";
pub const ORDER_ACTORS_MAX: &str = "rampflow_order_actors_max";
pub const CREATES_REFUSED_AT_CEILING: &str = "rampflow_order_creates_refused_at_ceiling_total";
pub const COMPACTIONS: &str = "rampflow_order_actor_compactions_total";
pub const FENCING_REFUSALS: &str = "rampflow_cluster_fencing_refusals_total";
pub const WEBHOOK_DELIVERIES: &str = "rampflow_webhook_deliveries_total";
pub const WEBHOOK_DELIVERY_DURATION: &str = "rampflow_webhook_delivery_duration_seconds";
pub const WEBHOOK_PENDING: &str = "rampflow_webhook_pending";
pub const WEBHOOK_DISPATCHED: &str = "rampflow_webhook_dispatched_total";
/// Counted in [`crate::crossings`] (plain atomics on the hot path); the service sets this
/// family from them at each scrape.
pub const THREAD_CROSSINGS: &str = "rampflow_thread_crossings_total";

/// How a delivery reached its sender, as the `via` label spells it: handed over by the
/// transaction that created it, or claimed from the database.
pub const DISPATCH_VIAS: [&str; 2] = ["commit", "claim"];
pub const WEBHOOK_ENDPOINTS_DISABLED: &str = "rampflow_webhook_endpoints_disabled";

/// The `from` of the transition that creates an order.
pub const CREATED_FROM: &str = "none";

/// The webhook outcomes, as the `outcome` label spells them.
pub const WEBHOOK_OUTCOMES: [&str; 3] = ["delivered", "retry", "failed"];

/// Describes every family the actors own and registers the series whose label sets are fixed
/// and small (at zero), so that a scrape shows them before the first event. Call once, after
/// the recorder is installed.
pub fn describe() {
    describe_counter!(
        THREAD_CROSSINGS,
        "Work handed from one thread to another, by where it crossed (hop)."
    );
    describe_gauge!(ORDER_ACTORS, "Order actors in memory now.");
    describe_gauge!(
        ORDERS_LIVE,
        "Order actors in memory now, by the status of their order."
    );
    describe_counter!(
        ACTIVATIONS,
        "Order actors started (created, loaded or rehydrated)."
    );
    describe_counter!(
        PASSIVATIONS,
        "Settled order actors that left memory after a quiet period."
    );
    describe_counter!(RESTARTS, "Order actors restarted after a failure.");
    describe_gauge!(
        MAILBOX_DEPTH,
        "Requests waiting in order actors' mailboxes, all actors together."
    );
    describe_histogram!(
        COMMAND_DURATION,
        Unit::Seconds,
        "From an order actor taking a command to its reply, commit included."
    );
    describe_counter!(
        TRANSITIONS,
        "Committed order status changes, by from and to status."
    );
    describe_gauge!(TIMERS_PENDING, "Armed order timers, by kind.");
    describe_counter!(
        TIMERS_FIRED,
        "Order timers that fired and committed, by kind."
    );
    describe_histogram!(
        TIMER_LATENESS,
        Unit::Seconds,
        "How long after its deadline an order timer fired."
    );
    describe_gauge!(
        JOURNAL_QUEUE_DEPTH,
        "Order writes waiting for a transaction."
    );
    describe_histogram!(
        JOURNAL_BATCH_ROWS,
        "Order writes per group-commit transaction."
    );
    describe_histogram!(
        JOURNAL_COMMIT_DURATION,
        Unit::Seconds,
        "Time to commit one group-commit transaction, retries included."
    );
    describe_counter!(
        JOURNAL_RETRIES,
        "Group-commit transactions tried again because the database was busy or aborted them (deadlock, serialization failure)."
    );
    describe_histogram!(
        JOURNAL_CHECKPOINT_DURATION,
        Unit::Seconds,
        "Time of each WAL checkpoint the journal ran between batches (SQLite)."
    );
    describe_gauge!(
        DATABASE_UNREACHABLE,
        "1 while the database circuit breaker is open: requests that need the database are refused with 503 database_unavailable."
    );
    describe_counter!(
        DATABASE_OUTAGES,
        "Times the database circuit breaker opened."
    );
    describe_counter!(
        COMMITS_UNKNOWN,
        "Order writes whose commit outcome was unknown (the connection failed during COMMIT); their orders are reloaded from the database."
    );
    describe_gauge!(
        ORDER_ACTORS_MAX,
        "The ceiling on order actors in memory (actors.max_live); creates past it get 503 overloaded."
    );
    describe_counter!(
        CREATES_REFUSED_AT_CEILING,
        "Creates refused with 503 overloaded because the order actors in memory were at their ceiling."
    );
    describe_counter!(
        COMPACTIONS,
        "Idle live orders that dropped their whole state from memory, keeping only what their timer needs."
    );
    describe_counter!(
        FENCING_REFUSALS,
        "Order writes refused because this node no longer held the lease of their shard at the epoch they were written under."
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook attempts by outcome: delivered, retry (another attempt is scheduled) or failed."
    );
    describe_histogram!(
        WEBHOOK_DELIVERY_DURATION,
        Unit::Seconds,
        "Time of one webhook attempt."
    );
    describe_counter!(
        WEBHOOK_DISPATCHED,
        "Deliveries handed to their senders, by how: via=\"commit\" (leased by the transaction that created them or, on SQLite, by the one that recorded the delivery they waited behind; no claim) or via=\"claim\" (retries, recovery, and on PostgreSQL events that waited behind a pending one)."
    );
    describe_gauge!(
        WEBHOOK_PENDING,
        "Webhook deliveries not yet delivered or failed."
    );
    describe_gauge!(
        WEBHOOK_ENDPOINTS_DISABLED,
        "Webhook endpoints disabled after their receiver answered 410 Gone."
    );

    counter!(ACTIVATIONS).increment(0);
    counter!(PASSIVATIONS).increment(0);
    counter!(RESTARTS).increment(0);
    for kind in TimerKind::ALL {
        counter!(TIMERS_FIRED, "kind" => kind.as_str()).increment(0);
        // Registering is enough for the exporter to show an empty histogram.
        let _ = histogram!(TIMER_LATENESS, "kind" => kind.as_str());
    }
    for outcome in WEBHOOK_OUTCOMES {
        counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(0);
    }
    let _ = histogram!(WEBHOOK_DELIVERY_DURATION);
    for via in DISPATCH_VIAS {
        counter!(WEBHOOK_DISPATCHED, "via" => via).increment(0);
    }
    let _ = histogram!(JOURNAL_BATCH_ROWS);
    let _ = histogram!(JOURNAL_COMMIT_DURATION);
    counter!(JOURNAL_RETRIES).increment(0);
    let _ = histogram!(JOURNAL_CHECKPOINT_DURATION);
    counter!(FENCING_REFUSALS).increment(0);
    counter!(CREATES_REFUSED_AT_CEILING).increment(0);
    counter!(COMPACTIONS).increment(0);
    counter!(DATABASE_OUTAGES).increment(0);
    counter!(COMMITS_UNKNOWN).increment(0);
    metrics::gauge!(DATABASE_UNREACHABLE).set(0.0);
}

pub(crate) fn activated() {
    counter!(ACTIVATIONS).increment(1);
}

pub(crate) fn passivated() {
    counter!(PASSIVATIONS).increment(1);
}

pub(crate) fn restarted() {
    counter!(RESTARTS).increment(1);
}

/// An order was created (`from` is `None`) or changed status.
pub(crate) fn transition(from: Option<Status>, to: Status) {
    let from = from.map_or(CREATED_FROM, |status| status.as_str());
    counter!(TRANSITIONS, "from" => from, "to" => to.as_str()).increment(1);
}

pub(crate) fn command_handled(command: &'static str, took: Duration) {
    histogram!(COMMAND_DURATION, "command" => command).record(took);
}

pub(crate) fn timer_fired(kind: TimerKind) {
    counter!(TIMERS_FIRED, "kind" => kind.as_str()).increment(1);
}

pub(crate) fn timer_late(kind: TimerKind, late: Duration) {
    histogram!(TIMER_LATENESS, "kind" => kind.as_str()).record(late);
    if let Some(observer) = LATENESS_OBSERVER.get() {
        observer(kind, late);
    }
}

type LatenessObserver = Box<dyn Fn(TimerKind, Duration) + Send + Sync>;

/// Set at most once per process, so the timer path reads it without a lock.
static LATENESS_OBSERVER: OnceLock<LatenessObserver> = OnceLock::new();

/// Calls `observer` with every order timer's lateness (from its deadline to the moment its
/// callback runs, before the order is loaded or anything is committed), on the actor's thread,
/// so it must be quick. One observer per process: answers false if one is installed already.
pub fn observe_timer_lateness(
    observer: impl Fn(TimerKind, Duration) + Send + Sync + 'static,
) -> bool {
    LATENESS_OBSERVER.set(Box::new(observer)).is_ok()
}

pub(crate) fn journal_batch(rows: usize, took: Duration) {
    histogram!(JOURNAL_BATCH_ROWS).record(rows as f64);
    histogram!(JOURNAL_COMMIT_DURATION).record(took);
}

/// A WAL checkpoint the journal ran between batches.
pub fn journal_checkpoint(took: Duration) {
    histogram!(JOURNAL_CHECKPOINT_DURATION).record(took);
}

pub(crate) fn journal_retry() {
    counter!(JOURNAL_RETRIES).increment(1);
}

pub(crate) fn breaker(open: bool) {
    metrics::gauge!(DATABASE_UNREACHABLE).set(if open { 1.0 } else { 0.0 });
    if open {
        counter!(DATABASE_OUTAGES).increment(1);
    }
}

pub(crate) fn commits_unknown(writes: usize) {
    counter!(COMMITS_UNKNOWN).increment(writes as u64);
}

pub(crate) fn create_refused_at_ceiling() {
    counter!(CREATES_REFUSED_AT_CEILING).increment(1);
}

pub(crate) fn compacted() {
    counter!(COMPACTIONS).increment(1);
}

pub(crate) fn fencing_refusals(writes: usize) {
    counter!(FENCING_REFUSALS).increment(writes as u64);
}

/// The `outcome` label of an attempt that ended in `next`.
pub fn webhook_outcome(next: &NextStep) -> &'static str {
    match next {
        NextStep::Delivered => WEBHOOK_OUTCOMES[0],
        NextStep::RetryAt(_) => WEBHOOK_OUTCOMES[1],
        NextStep::Failed => WEBHOOK_OUTCOMES[2],
    }
}

pub(crate) fn webhook_dispatched(via: &'static str, deliveries: usize) {
    counter!(WEBHOOK_DISPATCHED, "via" => via).increment(deliveries as u64);
}

pub(crate) fn webhook_attempt(next: &NextStep, took: Duration) {
    counter!(WEBHOOK_DELIVERIES, "outcome" => webhook_outcome(next)).increment(1);
    histogram!(WEBHOOK_DELIVERY_DURATION).record(took);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    #[test]
    fn webhook_outcomes_are_the_three_labels() {
        assert_eq!(webhook_outcome(&NextStep::Delivered), "delivered");
        assert_eq!(
            webhook_outcome(&NextStep::RetryAt(Timestamp::now())),
            "retry"
        );
        assert_eq!(webhook_outcome(&NextStep::Failed), "failed");
    }
}
