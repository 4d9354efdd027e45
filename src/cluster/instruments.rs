//! The cluster's Prometheus families. Counters and histograms are recorded where things happen;
//! the gauges are set at each scrape from this node's own state (see `http::metrics`).

use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, histogram, Unit};

pub const SHARDS_OWNED: &str = "rampflow_cluster_shards_owned";
pub const NODES_ALIVE: &str = "rampflow_cluster_nodes_alive";
pub const HANDOVERS: &str = "rampflow_cluster_handovers_total";
pub const FORWARDED: &str = "rampflow_cluster_forwarded_requests_total";
pub const FORWARD_DURATION: &str = "rampflow_cluster_forward_duration_seconds";
pub const LEASE_RENEWAL: &str = "rampflow_cluster_lease_renewal_seconds";
pub const LEASE_RENEWAL_FAILURES: &str = "rampflow_cluster_lease_renewal_failures_total";

/// How a shard came to this node or left it, as the `kind` label spells it.
pub const HANDOVER_KINDS: [&str; 4] = ["released", "taken", "taken_over", "lost"];

/// What became of a request this node would forward, as the `outcome` label spells it.
pub const FORWARD_OUTCOMES: [&str; 3] = ["ok", "unreachable", "unavailable"];

pub fn describe() {
    describe_gauge!(
        SHARDS_OWNED,
        "Shards this node owns now (serving or handing over)."
    );
    describe_gauge!(
        NODES_ALIVE,
        "Nodes of the cluster whose lease runs, as this node last saw them."
    );
    describe_counter!(
        HANDOVERS,
        "Shards that moved to or from this node, by kind: released (handed over gracefully), taken (a free shard), taken_over (from a node that died), lost (another node holds it now)."
    );
    describe_counter!(
        FORWARDED,
        "Commands for orders another node owns, by outcome: ok (forwarded and answered), unreachable (the owner did not answer: 503), unavailable (no node served the order's shard: 503)."
    );
    describe_histogram!(
        FORWARD_DURATION,
        Unit::Seconds,
        "Time to forward a command to its order's owner and get its answer."
    );
    describe_histogram!(
        LEASE_RENEWAL,
        Unit::Seconds,
        "Time to renew this node's lease (one heartbeat statement)."
    );
    describe_counter!(
        LEASE_RENEWAL_FAILURES,
        "Lease renewals that failed (the database did not answer); the lease lapses after cluster_lease without one."
    );
    for kind in HANDOVER_KINDS {
        counter!(HANDOVERS, "kind" => kind).increment(0);
    }
    for outcome in FORWARD_OUTCOMES {
        counter!(FORWARDED, "outcome" => outcome).increment(0);
    }
    counter!(LEASE_RENEWAL_FAILURES).increment(0);
    let _ = histogram!(FORWARD_DURATION);
    let _ = histogram!(LEASE_RENEWAL);
}

/// `kind` is one of [`HANDOVER_KINDS`].
pub fn handovers(kind: &'static str, shards: usize) {
    counter!(HANDOVERS, "kind" => kind).increment(shards as u64);
}

/// `outcome` is one of [`FORWARD_OUTCOMES`]; `took` for answered ones.
pub fn forwarded(outcome: &'static str, took: Option<Duration>) {
    counter!(FORWARDED, "outcome" => outcome).increment(1);
    if let Some(took) = took {
        histogram!(FORWARD_DURATION).record(took);
    }
}

pub fn lease_renewed(took: Duration) {
    histogram!(LEASE_RENEWAL).record(took);
}

pub fn lease_renewal_failed() {
    counter!(LEASE_RENEWAL_FAILURES).increment(1);
}
