//! Webhook delivery's batched statements against the real store, on SQLite and on
//! PostgreSQL: a claim leases exactly the heads of the (endpoint, order) queues, however many
//! statements the lease takes, and a batch of recorded attempts leaves every delivery where
//! recording them one by one would. Attempts are recorded as the server records them: on
//! SQLite by the journal's committer, on its own connection; on PostgreSQL through the store.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rampflow_actors::model::Timestamp;
use rampflow_actors::shard::ShardId;
use rampflow_actors::store::{OrderStore, StoreError};
use rampflow_actors::webhook::store::{
    AttemptOutcome, ClaimRequest, DeliveryStore, DueDelivery, NextHeads, NextStep, Release,
};
use sqlx::Row;

use crate::journal_batch::{database, pairs, Database};

async fn insert_endpoint(db: &Database, id: &str, disabled: bool) {
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, owner, url, secret, created_at, disabled_at)
         VALUES ($1, 'wallet:w', 'https://example.com/hook',
                 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 1, $2)",
    )
    .bind(id)
    .bind(disabled.then_some(1i64))
    .execute(&db.raw)
    .await
    .unwrap();
}

/// The event `{order}-v{version}` of `order`.
async fn insert_event(db: &Database, order: &str, version: i64) -> String {
    let id = format!("{order}-v{version}");
    sqlx::query(
        "INSERT INTO order_events (id, order_id, version, type, created_at, payload)
         VALUES ($1, $2, $3, 'order.created', 1, '{}')",
    )
    .bind(&id)
    .bind(order)
    .bind(version)
    .execute(&db.raw)
    .await
    .unwrap();
    id
}

struct Pending<'a> {
    order: &'a str,
    version: i64,
    endpoint: &'a str,
    state: &'a str,
    next_attempt_at: i64,
    leased_until: Option<i64>,
}

/// The node every claim and record of these tests runs as, unless a test says otherwise.
pub(crate) const NODE: &str = "node-a";

/// Inserts a delivery leased (if at all) by [`NODE`]; `head` is left for [`fix_heads`].
async fn insert_delivery(db: &Database, d: Pending<'_>) {
    sqlx::query(
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id, order_version, state,
             attempts, next_attempt_at, leased_until, leased_by, updated_at, shard, head)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, CASE WHEN $7 IS NULL THEN NULL ELSE 'node-a' END,
                 1, 0, 0)",
    )
    .bind(format!("{}-v{}", d.order, d.version))
    .bind(d.endpoint)
    .bind(d.order)
    .bind(d.version)
    .bind(d.state)
    .bind(d.next_attempt_at)
    .bind(d.leased_until)
    .execute(&db.raw)
    .await
    .unwrap();
}

/// Sets `head` on every pending delivery as the migration's backfill does: the lowest pending
/// version of each (endpoint, order).
async fn fix_heads(db: &Database) {
    sqlx::query(
        "UPDATE webhook_deliveries SET head = CASE WHEN state = 'pending' AND NOT EXISTS (
             SELECT 1 FROM webhook_deliveries p
             WHERE p.endpoint_id = webhook_deliveries.endpoint_id
               AND p.order_id = webhook_deliveries.order_id
               AND p.state = 'pending' AND p.order_version < webhook_deliveries.order_version)
         THEN 1 ELSE 0 END",
    )
    .execute(&db.raw)
    .await
    .unwrap();
}

/// A claim as `node` of `shards` (every shard with `None`), leasing until `lease_until`.
async fn claim_as(
    store: &impl DeliveryStore,
    node: &str,
    now: Timestamp,
    lease_until: Timestamp,
    shards: Option<&[ShardId]>,
) -> Vec<DueDelivery> {
    store
        .claim_due(ClaimRequest {
            node,
            now,
            lease_until,
            limit: 1000,
            shards,
            skip_endpoints: &[],
        })
        .await
        .unwrap()
}

/// A pending, due, unleased delivery of a stored event.
async fn due(db: &Database, order: &str, version: i64, endpoint: &str) {
    insert_event(db, order, version).await;
    insert_delivery(
        db,
        Pending {
            order,
            version,
            endpoint,
            state: "pending",
            next_attempt_at: 0,
            leased_until: None,
        },
    )
    .await;
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Delivery {
    state: String,
    attempts: i64,
    next_attempt_at: i64,
    leased_until: Option<i64>,
    last_status: Option<i64>,
    last_error: Option<String>,
}

/// Every delivery, by (event, endpoint).
async fn deliveries(db: &Database) -> BTreeMap<(String, String), Delivery> {
    sqlx::query(
        "SELECT event_id, endpoint_id, state, attempts, next_attempt_at, leased_until,
                last_status, last_error
         FROM webhook_deliveries",
    )
    .fetch_all(&db.raw)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            (r.get(0), r.get(1)),
            Delivery {
                state: r.get(2),
                attempts: r.get(3),
                next_attempt_at: r.get(4),
                leased_until: r.get(5),
                last_status: r.get(6),
                last_error: r.get(7),
            },
        )
    })
    .collect()
}

fn key(event: &str, endpoint: &str) -> (String, String) {
    (event.to_owned(), endpoint.to_owned())
}

async fn a_claim_leases_exactly_the_heads(on_postgres: bool) {
    let db = database(on_postgres).await;
    insert_endpoint(&db, "e1", false).await;
    insert_endpoint(&db, "e2", false).await;
    insert_endpoint(&db, "off", true).await;
    let now = Timestamp::now();
    let later = now.plus(Duration::from_secs(60)).as_millis();
    // Order a: three versions pending at e1, only the first is its head.
    for version in 1..=3 {
        due(&db, "a", version, "e1").await;
    }
    // At e2, a's first version was delivered already, so its second is the head.
    insert_delivery(
        &db,
        Pending {
            order: "a",
            version: 1,
            endpoint: "e2",
            state: "delivered",
            next_attempt_at: 0,
            leased_until: None,
        },
    )
    .await;
    for version in 2..=3 {
        insert_delivery(
            &db,
            Pending {
                order: "a",
                version,
                endpoint: "e2",
                state: "pending",
                next_attempt_at: 0,
                leased_until: None,
            },
        )
        .await;
    }
    // Not due yet; already leased by another attempt; to a disabled endpoint.
    insert_event(&db, "later", 1).await;
    insert_delivery(
        &db,
        Pending {
            order: "later",
            version: 1,
            endpoint: "e1",
            state: "pending",
            next_attempt_at: later,
            leased_until: None,
        },
    )
    .await;
    insert_event(&db, "leased", 1).await;
    insert_delivery(
        &db,
        Pending {
            order: "leased",
            version: 1,
            endpoint: "e1",
            state: "pending",
            next_attempt_at: 0,
            leased_until: Some(later),
        },
    )
    .await;
    due(&db, "gone", 1, "off").await;
    // Enough single-event orders that the lease takes several statements (128 rows each).
    let many: Vec<String> = (0..300).map(|i| format!("o{i:03}")).collect();
    for order in &many {
        due(&db, order, 1, "e2").await;
    }

    fix_heads(&db).await;
    let lease = now.plus(Duration::from_secs(600));
    let claimed = claim_as(&db.store, NODE, now, lease, None).await;

    let mut expected: BTreeSet<(String, String)> = many
        .iter()
        .map(|order| key(&format!("{order}-v1"), "e2"))
        .collect();
    expected.insert(key("a-v1", "e1"));
    expected.insert(key("a-v2", "e2"));
    let got: BTreeSet<(String, String)> = claimed
        .iter()
        .map(|d| key(&d.event_id, &d.endpoint_id))
        .collect();
    assert_eq!(got.len(), claimed.len(), "each delivery claimed once");
    assert_eq!(got, expected);
    for ((event, endpoint), row) in deliveries(&db).await {
        let leased_now = expected.contains(&key(&event, &endpoint));
        // A delivery to a disabled endpoint is leased but not handed over: it waits for the
        // orphan sweep rather than being claimed again and again.
        let want = match (leased_now, event.as_str()) {
            (true, _) | (false, "gone-v1") => Some(lease.as_millis()),
            (false, "leased-v1") => Some(later),
            (false, _) => None,
        };
        assert_eq!(row.leased_until, want, "{event} at {endpoint}");
    }
    // Everything due is leased now: a second claim finds nothing.
    let again = claim_as(&db.store, NODE, now, lease, None).await;
    assert!(again.is_empty(), "claimed again: {}", again.len());
}

#[tokio::test]
async fn a_claim_leases_exactly_the_heads_on_sqlite() {
    a_claim_leases_exactly_the_heads(false).await;
}

#[tokio::test]
async fn a_claim_leases_exactly_the_heads_on_postgres() {
    a_claim_leases_exactly_the_heads(true).await;
}

fn outcome(event: &str, endpoint: &str, status: Option<u16>, next: NextStep) -> AttemptOutcome {
    AttemptOutcome {
        event_id: event.to_owned(),
        endpoint_id: endpoint.to_owned(),
        order_id: event.split("-v").next().unwrap().to_owned(),
        attempts: 1,
        attempted_at: Timestamp::now(),
        status_code: status,
        duration_ms: 3,
        error: status
            .filter(|s| !(200..300).contains(s))
            .map(|s| format!("the receiver answered {s}")),
        response_body: Some(format!("body of {event}")),
        disable_endpoint: status == Some(410),
        next,
    }
}

/// Records as the running server does: on SQLite on the journal's own connection (its
/// writer thread's committer), on PostgreSQL through the store.
async fn record(
    db: &Database,
    node: &str,
    outcomes: &[AttemptOutcome],
    released: &[Release],
) -> Result<(), StoreError> {
    match db.store.blocking_committer() {
        Some(mut committer) => {
            let (node, outcomes, released) =
                (node.to_owned(), outcomes.to_vec(), released.to_vec());
            tokio::task::spawn_blocking(move || {
                committer.record_attempts(&node, &outcomes, &released, None)
            })
            .await
            .unwrap()
            .map(|handed| assert!(handed.is_empty(), "nothing is handed over unless asked"))
        }
        None => db
            .store
            .record_attempts(node, outcomes, released, None)
            .await
            .map(|handed| assert!(handed.is_empty(), "nothing is handed over unless asked")),
    }
}

async fn one_batch_records_every_outcome(on_postgres: bool) {
    let db = database(on_postgres).await;
    insert_endpoint(&db, "e1", false).await;
    insert_endpoint(&db, "gone", false).await;
    let lease = Some(Timestamp::now().plus(Duration::from_secs(600)).as_millis());
    let claimed = |order| Pending {
        order,
        version: 1,
        endpoint: "e1",
        state: "pending",
        next_attempt_at: 0,
        leased_until: lease,
    };
    for order in ["ok", "retry", "spent", "twice"] {
        insert_delivery(&db, claimed(order)).await;
    }
    // Failed by a delete while its attempt was in flight (lease cleared); the receiver then
    // answered 2xx, so it has it.
    insert_delivery(
        &db,
        Pending {
            state: "failed",
            leased_until: None,
            ..claimed("late")
        },
    )
    .await;
    // Reset by a redelivery while its attempt was in flight: left for the new attempt.
    insert_delivery(
        &db,
        Pending {
            leased_until: None,
            ..claimed("redelivered")
        },
    )
    .await;
    // At the endpoint that answers 410: its own delivery, one delivered and one retried in
    // the same batch, and one still waiting.
    for order in ["g410", "g-ok", "g-retry"] {
        insert_delivery(
            &db,
            Pending {
                endpoint: "gone",
                ..claimed(order)
            },
        )
        .await;
    }
    insert_delivery(
        &db,
        Pending {
            endpoint: "gone",
            leased_until: None,
            ..claimed("g-waiting")
        },
    )
    .await;

    let retry_at = Timestamp::now().plus(Duration::from_secs(5));
    let mut second = outcome("twice-v1", "e1", Some(200), NextStep::Delivered);
    second.attempts = 2;
    let batch = vec![
        outcome("ok-v1", "e1", Some(204), NextStep::Delivered),
        outcome("retry-v1", "e1", Some(500), NextStep::RetryAt(retry_at)),
        outcome("spent-v1", "e1", None, NextStep::Failed),
        outcome("g-ok-v1", "gone", Some(200), NextStep::Delivered),
        outcome("g410-v1", "gone", Some(410), NextStep::Failed),
        outcome("g-retry-v1", "gone", Some(503), NextStep::RetryAt(retry_at)),
        outcome("late-v1", "e1", Some(200), NextStep::Delivered),
        outcome(
            "redelivered-v1",
            "e1",
            Some(500),
            NextStep::RetryAt(retry_at),
        ),
        outcome("twice-v1", "e1", Some(500), NextStep::RetryAt(retry_at)),
        second,
    ];
    record(&db, NODE, &batch, &[]).await.unwrap();

    let rows = deliveries(&db).await;
    let state = |event: &str, endpoint: &str| rows[&key(event, endpoint)].clone();
    let ok = state("ok-v1", "e1");
    assert_eq!((ok.state.as_str(), ok.attempts), ("delivered", 1));
    assert_eq!((ok.last_status, ok.leased_until), (Some(204), None));
    let retry = state("retry-v1", "e1");
    assert_eq!(retry.state, "pending");
    assert_eq!(retry.next_attempt_at, retry_at.as_millis());
    assert_eq!(retry.last_status, Some(500));
    assert_eq!(
        retry.last_error.as_deref(),
        Some("the receiver answered 500")
    );
    assert_eq!(retry.leased_until, None);
    let spent = state("spent-v1", "e1");
    assert_eq!((spent.state.as_str(), spent.last_status), ("failed", None));
    assert_eq!(state("late-v1", "e1").state, "delivered");
    let redelivered = state("redelivered-v1", "e1");
    assert_eq!(
        (redelivered.state.as_str(), redelivered.attempts),
        ("pending", 0),
        "a reset delivery is left to its new attempt"
    );
    // The first outcome settled it; the second found it no longer leased, as one by one.
    let twice = state("twice-v1", "e1");
    assert_eq!((twice.state.as_str(), twice.attempts), ("pending", 1));
    // The 410 disables its endpoint and fails what it still had pending, retries of the same
    // batch included; what was delivered stays delivered.
    assert_eq!(state("g410-v1", "gone").state, "failed");
    assert_eq!(state("g-ok-v1", "gone").state, "delivered");
    for event in ["g-retry-v1", "g-waiting-v1"] {
        let row = state(event, "gone");
        assert_eq!(row.state, "failed", "{event}");
        assert_eq!(
            row.last_error.as_deref(),
            Some("endpoint disabled: the receiver answered 410 Gone"),
            "{event}"
        );
    }
    let disabled: Vec<(String, Option<i64>)> =
        sqlx::query("SELECT id, disabled_at FROM webhook_endpoints ORDER BY id")
            .fetch_all(&db.raw)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    assert_eq!(disabled[0].0, "e1");
    assert!(disabled[0].1.is_none(), "e1 stays enabled");
    assert_eq!(disabled[1].0, "gone");
    assert!(disabled[1].1.is_some(), "the 410 disabled its endpoint");

    // Every attempt is recorded, with its own status and body.
    let attempts: Vec<(String, Option<i64>, Option<String>)> = sqlx::query(
        "SELECT event_id, status_code, response_body FROM webhook_attempts ORDER BY seq",
    )
    .fetch_all(&db.raw)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    let expected: Vec<(String, Option<i64>, Option<String>)> = batch
        .iter()
        .map(|o| {
            (
                o.event_id.clone(),
                o.status_code.map(i64::from),
                o.response_body.clone(),
            )
        })
        .collect();
    assert_eq!(attempts, expected);
}

#[tokio::test]
async fn one_batch_records_every_outcome_on_sqlite() {
    one_batch_records_every_outcome(false).await;
}

#[tokio::test]
async fn one_batch_records_every_outcome_on_postgres() {
    one_batch_records_every_outcome(true).await;
}

// ---------------------------------------------------------------------------------------------
// Heads, shards and node leases.

/// One order taken to version 3 through the real journal, with one endpoint of its wallet:
/// its three deliveries to `e1`, written by the fan-out. Returns the order id and the event ids
/// in version order.
async fn order_at_version_3(db: &Database) -> (String, Vec<String>) {
    use rampflow_actors::model::{Address, PartnerId, WalletId};
    use rampflow_actors::order::{Accept, Command, DepositInstructions};

    use rampflow_actors::store::OrderStore;

    use crate::journal_batch::{change, create, insert_endpoint, new_order};

    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    insert_endpoint(db, "e1", &format!("wallet:{wallet}"), None, false).await;
    let created = create(new_order(wallet, partner), None);
    let accept = Command::Accept(Accept {
        external_id: None,
        rate: None,
        fees: None,
        deposit: DepositInstructions::Crypto {
            address: Address::parse("DepositAddr111").unwrap(),
            tag: None,
        },
        deposit_window: Duration::from_secs(600),
        remind_before: None,
    });
    let accepted = change(&created.state, accept, 1);
    let sent = change(&accepted.state, Command::FundsSent { reference: None }, 2);
    let mut events = Vec::new();
    for write in [created, accepted, sent] {
        events.push(write.event.id.to_string());
        let outcomes = db.store.commit(&[write]).await.unwrap();
        assert_eq!(
            outcomes,
            vec![rampflow_actors::store::WriteOutcome::Committed]
        );
    }
    let order = sqlx::query("SELECT id FROM orders")
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .get(0);
    (order, events)
}

/// `(event_id, head)` of every pending delivery, by version.
async fn pending_heads(db: &Database) -> Vec<(String, i64)> {
    pairs(
        db,
        "SELECT event_id, head FROM webhook_deliveries WHERE state = 'pending'
         ORDER BY order_version",
    )
    .await
}

fn settled(delivery: &DueDelivery, next: NextStep) -> AttemptOutcome {
    AttemptOutcome {
        order_id: delivery.order_id.clone(),
        ..outcome(&delivery.event_id, &delivery.endpoint_id, Some(200), next)
    }
}

async fn only_the_head_is_claimable_and_it_moves_on(on_postgres: bool) {
    let db = database(on_postgres).await;
    let (_, events) = order_at_version_3(&db).await;
    let lease = || Timestamp::now().plus(Duration::from_secs(30));
    let ids = |claimed: &[DueDelivery]| -> Vec<String> {
        claimed.iter().map(|d| d.event_id.clone()).collect()
    };
    assert_eq!(
        pending_heads(&db).await,
        vec![
            (events[0].clone(), 1),
            (events[1].clone(), 0),
            (events[2].clone(), 0)
        ]
    );

    // v1 only; delivered, v2 becomes the head.
    let claimed = claim_as(&db.store, NODE, Timestamp::now(), lease(), None).await;
    assert_eq!(ids(&claimed), vec![events[0].clone()]);
    assert!(claim_as(&db.store, NODE, Timestamp::now(), lease(), None)
        .await
        .is_empty());
    let outcome = settled(&claimed[0], NextStep::Delivered);
    record(&db, NODE, &[outcome], &[]).await.unwrap();
    assert_eq!(
        pending_heads(&db).await,
        vec![(events[1].clone(), 1), (events[2].clone(), 0)]
    );

    // v2 fails for now (a retry keeps it the head), then for good: v3 follows.
    let claimed = claim_as(&db.store, NODE, Timestamp::now(), lease(), None).await;
    assert_eq!(ids(&claimed), vec![events[1].clone()]);
    let retry = settled(&claimed[0], NextStep::RetryAt(Timestamp::from_millis(0)));
    record(&db, NODE, &[retry], &[]).await.unwrap();
    let claimed = claim_as(&db.store, NODE, Timestamp::now(), lease(), None).await;
    assert_eq!(
        ids(&claimed),
        vec![events[1].clone()],
        "a retry stays the head"
    );
    let failed = settled(&claimed[0], NextStep::Failed);
    record(&db, NODE, &[failed], &[]).await.unwrap();
    assert_eq!(pending_heads(&db).await, vec![(events[2].clone(), 1)]);
    let claimed = claim_as(&db.store, NODE, Timestamp::now(), lease(), None).await;
    assert_eq!(ids(&claimed), vec![events[2].clone()]);
    let v3 = claimed[0].clone();

    // Redelivering v1 while v3 is in flight: v1 goes first again and v3 waits behind it.
    let wallet_owner: String = sqlx::query("SELECT owner FROM webhook_endpoints WHERE id = 'e1'")
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .get(0);
    let event = rampflow::store::webhooks::EventRow {
        id: events[0].clone(),
        event_type: "order.created".into(),
        order_id: v3.order_id.clone(),
        order_version: 1,
        created_at: Timestamp::now(),
        payload: "{}".into(),
        delivery: None,
    };
    let queued = db
        .store
        .redeliver_event(&wallet_owner, &event, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(queued, 1);
    assert_eq!(
        pending_heads(&db).await,
        vec![(events[0].clone(), 1), (events[2].clone(), 0)]
    );
    // v3's attempt fails: still pending, still behind v1. Once v1 is delivered, v3 is next.
    let v3_retry = settled(&v3, NextStep::RetryAt(Timestamp::from_millis(0)));
    record(&db, NODE, &[v3_retry], &[]).await.unwrap();
    assert_eq!(
        pending_heads(&db).await,
        vec![(events[0].clone(), 1), (events[2].clone(), 0)]
    );
    let claimed = claim_as(&db.store, NODE, Timestamp::now(), lease(), None).await;
    assert_eq!(ids(&claimed), vec![events[0].clone()]);
    let v1 = settled(&claimed[0], NextStep::Delivered);
    record(&db, NODE, &[v1], &[]).await.unwrap();
    assert_eq!(pending_heads(&db).await, vec![(events[2].clone(), 1)]);
}

#[tokio::test]
async fn only_the_head_is_claimable_and_it_moves_on_on_sqlite() {
    only_the_head_is_claimable_and_it_moves_on(false).await;
}

#[tokio::test]
async fn only_the_head_is_claimable_and_it_moves_on_on_postgres() {
    only_the_head_is_claimable_and_it_moves_on(true).await;
}

/// On SQLite the recorder writes through the journal, on the writer thread's own connection.
/// What it records moves the queue's head on, and the new head, due at once, is leased to this
/// node in the same transaction and handed to the senders, ready to send. PostgreSQL's
/// journal, whose writers are tasks, says it does not record attempts and refuses them,
/// changing nothing: the recorder writes through the store there.
async fn the_journal_records_attempts_where_it_owns_the_connection(on_postgres: bool) {
    use std::sync::Arc;

    use rampflow_actors::journal::{Journal, JournalSettings};
    use rampflow_actors::webhook::Nudge;

    let db = database(on_postgres).await;
    let (order, events) = order_at_version_3(&db).await;
    let store: Arc<dyn OrderStore> = Arc::new(db.store.clone());
    let settings = JournalSettings {
        hand_over_deliveries: Some(Duration::from_secs(30)),
        ..JournalSettings::default()
    };
    let nudge = Nudge::default();
    let journal = Journal::start(store, settings, nudge.clone());
    assert_eq!(journal.records_attempts(), !on_postgres);
    let lease = Timestamp::now().plus(Duration::from_secs(30));
    let claimed = claim_as(&db.store, NODE, Timestamp::now(), lease, None).await;
    assert_eq!(claimed.len(), 1);
    let v1 = settled(&claimed[0], NextStep::Delivered);
    let recorded = journal
        .record_attempts(NODE, Arc::from([v1]), Arc::from([]))
        .await;
    let heads = pending_heads(&db).await;
    if on_postgres {
        let refused = recorded.expect_err("PostgreSQL's journal does not record attempts");
        assert!(refused.message.contains("does not record"), "{refused:?}");
        assert_eq!(heads.first(), Some(&(events[0].clone(), 1)));
    } else {
        recorded.unwrap();
        assert_eq!(
            heads,
            vec![(events[1].clone(), 1), (events[2].clone(), 0)],
            "v1 delivered, v2 heads the queue"
        );
        let attempts = count(&db, "SELECT COUNT(*) FROM webhook_attempts").await;
        assert_eq!(attempts, 1);
        let lease = sqlx::query(
            "SELECT leased_by, leased_until FROM webhook_deliveries WHERE event_id = $1",
        )
        .bind(&events[1])
        .fetch_one(&db.raw)
        .await
        .unwrap();
        let (leased_by, leased_until): (Option<String>, Option<i64>) = (lease.get(0), lease.get(1));
        assert_eq!(leased_by.as_deref(), Some(NODE));
        let (handed, _) = nudge.take();
        assert_eq!(handed.len(), 1, "v2 is handed over");
        let v2 = &handed[0];
        assert_eq!(
            (v2.event_id.as_str(), v2.order_id.as_str()),
            (events[1].as_str(), order.as_str())
        );
        assert_eq!((v2.order_version, v2.attempts), (2, 0));
        assert_eq!(Some(v2.lease_until.as_millis()), leased_until);
        assert_ready_to_send(&db, v2, &events[1]).await;
    }
}

/// Asserts that a handed-over delivery carries what its attempt needs: its event's payload as
/// stored, its endpoint's URL, and the endpoint's secret opened.
async fn assert_ready_to_send(db: &Database, delivery: &DueDelivery, event_id: &str) {
    let payload: String = sqlx::query("SELECT payload FROM order_events WHERE id = $1")
        .bind(event_id)
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .get(0);
    assert_eq!(delivery.payload, payload);
    assert_eq!(delivery.url, "https://example.com/hook");
    assert_eq!(
        delivery.secrets,
        vec!["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned()],
        "the secret is opened"
    );
}

#[tokio::test]
async fn the_journal_records_attempts_where_it_owns_the_connection_on_sqlite() {
    the_journal_records_attempts_where_it_owns_the_connection(false).await;
}

#[tokio::test]
async fn the_journal_records_attempts_where_it_owns_the_connection_on_postgres() {
    the_journal_records_attempts_where_it_owns_the_connection(true).await;
}

/// How the store's recorder is asked to hand over in [`the_store_hands_the_next_head_over`].
enum HandOverCase {
    /// Every shard, endpoint live.
    Served,
    /// Only shards other than the order's.
    ShardNotServed,
    /// The endpoint was disabled before the recording.
    EndpointDisabled,
}

/// The recorder through the store (PostgreSQL's recorder): settling v1 makes v2 the head, and,
/// asked to hand over, the store leases v2 to this node once the recording has committed and
/// returns it ready to send, unless its shard is not this node's or its endpoint is disabled. SQLite's store hands
/// nothing over (its recorder hands over on the journal's thread) and leaves v2 to a claim.
async fn the_store_hands_the_next_head_over(on_postgres: bool, case: HandOverCase) {
    let db = database(on_postgres).await;
    let (order, events) = order_at_version_3(&db).await;
    assert_eq!(db.store.hands_over_next_heads(), on_postgres);
    let now = Timestamp::now();
    let claim_lease = now.plus(Duration::from_secs(30));
    let claimed = claim_as(&db.store, NODE, now, claim_lease, None).await;
    assert_eq!(claimed.len(), 1);
    let shard = claimed[0].shard;
    let other = [ShardId::new(shard.get() % 4 + 1)];
    let shards = match case {
        HandOverCase::ShardNotServed => Some(&other[..]),
        _ => None,
    };
    if let HandOverCase::EndpointDisabled = case {
        sqlx::query("UPDATE webhook_endpoints SET disabled_at = $1")
            .bind(now.as_millis())
            .execute(&db.raw)
            .await
            .unwrap();
    }
    let lease_until = now.plus(Duration::from_secs(60));
    let next_heads = NextHeads {
        lease_until,
        shards,
    };
    let v1 = settled(&claimed[0], NextStep::Delivered);
    let handed = db
        .store
        .record_attempts(NODE, &[v1], &[], Some(next_heads))
        .await
        .unwrap();
    assert_eq!(
        pending_heads(&db).await,
        vec![(events[1].clone(), 1), (events[2].clone(), 0)],
        "v1 delivered, v2 heads the queue"
    );
    let leased =
        sqlx::query("SELECT leased_by, leased_until FROM webhook_deliveries WHERE event_id = $1")
            .bind(&events[1])
            .fetch_one(&db.raw)
            .await
            .unwrap();
    let lease: (Option<String>, Option<i64>) = (leased.get(0), leased.get(1));
    let handing_over = on_postgres && matches!(case, HandOverCase::Served);
    if !handing_over {
        assert!(handed.is_empty(), "nothing is handed over");
        assert_eq!(lease, (None, None), "v2 is left to a claim");
        return;
    }
    assert_eq!(
        lease,
        (Some(NODE.to_owned()), Some(lease_until.as_millis()))
    );
    assert_eq!(handed.len(), 1, "v2 is handed over");
    let v2 = &handed[0];
    assert_eq!(
        (
            v2.event_id.as_str(),
            v2.order_id.as_str(),
            v2.endpoint_id.as_str()
        ),
        (events[1].as_str(), order.as_str(), "e1")
    );
    assert_eq!((v2.order_version, v2.attempts, v2.shard), (2, 0, shard));
    assert_eq!(v2.lease_until, lease_until);
    assert_ready_to_send(&db, v2, &events[1]).await;
    let again = claim_as(&db.store, NODE, now, claim_lease, None).await;
    assert!(again.is_empty(), "a claim does not take it again");
}

#[tokio::test]
async fn the_store_hands_the_next_head_over_on_postgres() {
    the_store_hands_the_next_head_over(true, HandOverCase::Served).await;
}

#[tokio::test]
async fn the_store_hands_over_only_heads_of_shards_it_serves_on_postgres() {
    the_store_hands_the_next_head_over(true, HandOverCase::ShardNotServed).await;
}

#[tokio::test]
async fn the_store_hands_over_no_head_of_a_disabled_endpoint_on_postgres() {
    the_store_hands_the_next_head_over(true, HandOverCase::EndpointDisabled).await;
}

#[tokio::test]
async fn the_store_hands_nothing_over_on_sqlite() {
    the_store_hands_the_next_head_over(false, HandOverCase::Served).await;
}

/// PostgreSQL's lease of new heads, which runs beside the claims, passes over a row another
/// transaction holds instead of waiting for it: two multi-row updates that each wait for a row
/// the other holds deadlock, and one of them fails (this one did, under load, before it skipped
/// locked rows). Once the row is free, the same statement leases it.
#[tokio::test]
async fn the_lease_of_new_heads_passes_over_a_row_another_transaction_holds_on_postgres() {
    use rampflow::store::recorder::lease_heads_statement;
    use sqlx::Connection;

    let db = database(true).await;
    let (_, events) = order_at_version_3(&db).await;
    let now = Timestamp::now();
    let claim_lease = now.plus(Duration::from_secs(30));
    let claimed = claim_as(&db.store, NODE, now, claim_lease, None).await;
    record(&db, NODE, &[settled(&claimed[0], NextStep::Delivered)], &[])
        .await
        .unwrap();
    assert_eq!(
        pending_heads(&db).await[0],
        (events[1].clone(), 1),
        "v2 heads the queue"
    );

    let mut holder = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT 1 FROM webhook_deliveries WHERE event_id = $1 FOR UPDATE")
        .bind(&events[1])
        .fetch_all(&mut holder)
        .await
        .unwrap();
    let sql = lease_heads_statement(1);
    let lease_until = now.plus(Duration::from_secs(60)).as_millis();
    let lease = || {
        sqlx::query(&sql)
            .bind(NODE)
            .bind(lease_until)
            .bind(Timestamp::now().as_millis())
            .bind(&events[1])
            .bind("e1")
            .fetch_all(&db.raw)
    };
    let while_held = tokio::time::timeout(Duration::from_secs(10), lease())
        .await
        .expect("the lease does not wait for a row another transaction holds")
        .unwrap();
    assert!(while_held.is_empty(), "the held row is passed over");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();

    let freed = lease().await.unwrap();
    assert_eq!(freed.len(), 1, "once free, it is leased");
    assert_eq!(freed[0].get::<String, _>("event_id"), events[1]);
}

async fn a_claim_takes_only_the_shards_asked_for(on_postgres: bool) {
    let db = database(on_postgres).await;
    insert_endpoint(&db, "e1", false).await;
    for order in ["s1", "s2", "s3"] {
        due(&db, order, 1, "e1").await;
    }
    sqlx::query("UPDATE webhook_deliveries SET shard = CASE order_id WHEN 's1' THEN 1 WHEN 's2' THEN 2 ELSE 3 END")
        .execute(&db.raw)
        .await
        .unwrap();
    fix_heads(&db).await;
    let now = Timestamp::now();
    let lease = now.plus(Duration::from_secs(30));
    let served = [ShardId::new(1), ShardId::new(3)];
    let claimed = claim_as(&db.store, NODE, now, lease, Some(&served)).await;
    let got: BTreeSet<(String, u32)> = claimed
        .iter()
        .map(|d| (d.order_id.clone(), d.shard.get()))
        .collect();
    assert_eq!(
        got,
        BTreeSet::from([("s1".to_owned(), 1), ("s3".to_owned(), 3)])
    );
    assert!(claim_as(&db.store, NODE, now, lease, Some(&[]))
        .await
        .is_empty());
    let rest = claim_as(&db.store, NODE, now, lease, None).await;
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].order_id, "s2");
}

#[tokio::test]
async fn a_claim_takes_only_the_shards_asked_for_on_sqlite() {
    a_claim_takes_only_the_shards_asked_for(false).await;
}

#[tokio::test]
async fn a_claim_takes_only_the_shards_asked_for_on_postgres() {
    a_claim_takes_only_the_shards_asked_for(true).await;
}

/// `(leased_by, leased_until)` of the delivery of `order`'s first event.
async fn lease_of(db: &Database, order: &str) -> (Option<String>, Option<i64>) {
    let row =
        sqlx::query("SELECT leased_by, leased_until FROM webhook_deliveries WHERE event_id = $1")
            .bind(format!("{order}-v1"))
            .fetch_one(&db.raw)
            .await
            .unwrap();
    (row.get(0), row.get(1))
}

async fn another_nodes_lease_is_neither_claimed_nor_recorded_over(on_postgres: bool) {
    let db = database(on_postgres).await;
    insert_endpoint(&db, "e1", false).await;
    due(&db, "held", 1, "e1").await;
    due(&db, "lapsed", 1, "e1").await;
    fix_heads(&db).await;
    let now = Timestamp::now();
    let theirs = now.plus(Duration::from_secs(30));
    assert_eq!(
        claim_as(&db.store, "node-b", now, theirs, None).await.len(),
        2
    );
    // node-b's lease on `lapsed` ran out; on `held` it still holds.
    sqlx::query("UPDATE webhook_deliveries SET leased_until = 1 WHERE order_id = 'lapsed'")
        .execute(&db.raw)
        .await
        .unwrap();

    let mine = now.plus(Duration::from_secs(20));
    let claimed = claim_as(&db.store, NODE, now, mine, None).await;
    let got: Vec<&str> = claimed.iter().map(|d| d.order_id.as_str()).collect();
    assert_eq!(got, vec!["lapsed"], "only the lapsed lease is taken over");
    assert_eq!(
        lease_of(&db, "held").await,
        (Some("node-b".to_owned()), Some(theirs.as_millis()))
    );
    assert_eq!(
        lease_of(&db, "lapsed").await,
        (Some(NODE.to_owned()), Some(mine.as_millis()))
    );

    // node-a's outcome for `held` (it never held it) changes nothing but the attempt log;
    // node-b's outcome for `lapsed` (it lost it) neither.
    let stray = outcome("held-v1", "e1", Some(200), NextStep::Delivered);
    record(&db, NODE, &[stray], &[]).await.unwrap();
    let late = outcome("lapsed-v1", "e1", Some(200), NextStep::Delivered);
    record(&db, "node-b", &[late], &[]).await.unwrap();
    let rows = deliveries(&db).await;
    for order in ["held", "lapsed"] {
        let row = &rows[&key(&format!("{order}-v1"), "e1")];
        assert_eq!(
            (row.state.as_str(), row.attempts),
            ("pending", 0),
            "{order}"
        );
    }
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM webhook_attempts").await,
        2,
        "both attempts are logged"
    );

    // The holder's own outcome counts.
    let mine_delivered = outcome("lapsed-v1", "e1", Some(200), NextStep::Delivered);
    record(&db, NODE, &[mine_delivered], &[]).await.unwrap();
    assert_eq!(
        deliveries(&db).await[&key("lapsed-v1", "e1")].state,
        "delivered"
    );
}

async fn count(db: &Database, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .get::<i64, _>(0)
}

#[tokio::test]
async fn another_nodes_lease_is_neither_claimed_nor_recorded_over_on_sqlite() {
    another_nodes_lease_is_neither_claimed_nor_recorded_over(false).await;
}

#[tokio::test]
async fn another_nodes_lease_is_neither_claimed_nor_recorded_over_on_postgres() {
    another_nodes_lease_is_neither_claimed_nor_recorded_over(true).await;
}

async fn leases_are_released_by_node_and_by_claim(on_postgres: bool) {
    let db = database(on_postgres).await;
    insert_endpoint(&db, "e1", false).await;
    for order in ["a1", "a2", "b1", "c1", "free"] {
        due(&db, order, 1, "e1").await;
    }
    fix_heads(&db).await;
    let now = Timestamp::now();
    let lease = now.plus(Duration::from_secs(30));
    for (node, order) in [
        ("node-a", "a1"),
        ("node-a", "a2"),
        ("node-b", "b1"),
        ("node-c", "c1"),
    ] {
        sqlx::query(
            "UPDATE webhook_deliveries SET leased_by = $1, leased_until = $2 WHERE order_id = $3",
        )
        .bind(node)
        .bind(lease.as_millis())
        .bind(order)
        .execute(&db.raw)
        .await
        .unwrap();
    }
    let released = db
        .store
        .release_leases_held_by(&["node-a".to_owned(), "node-b".to_owned()])
        .await
        .unwrap();
    assert_eq!(released, 3);
    for order in ["a1", "a2", "b1", "free"] {
        assert_eq!(lease_of(&db, order).await, (None, None), "{order}");
    }
    assert_eq!(
        lease_of(&db, "c1").await,
        (Some("node-c".to_owned()), Some(lease.as_millis()))
    );

    // Giving a claim back clears that claim only, and counts no attempt.
    let claimed = claim_as(&db.store, NODE, now, lease, None).await;
    assert_eq!(claimed.len(), 4);
    let give_back = |d: &DueDelivery, lease_until: Timestamp| Release {
        event_id: d.event_id.clone(),
        endpoint_id: d.endpoint_id.clone(),
        lease_until,
    };
    let stale = give_back(&claimed[0], now.plus(Duration::from_secs(1)));
    let current = give_back(&claimed[1], lease);
    record(&db, NODE, &[], &[stale, current]).await.unwrap();
    let rows = deliveries(&db).await;
    let first = &rows[&key(&claimed[0].event_id, "e1")];
    assert_eq!(
        first.leased_until,
        Some(lease.as_millis()),
        "a stale release"
    );
    let second = &rows[&key(&claimed[1].event_id, "e1")];
    assert_eq!((second.leased_until, second.attempts), (None, 0));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM webhook_attempts").await, 0);
    let again = claim_as(&db.store, NODE, now, lease, None).await;
    assert_eq!(again.len(), 1, "the released delivery is claimed again");
    assert_eq!(again[0].event_id, claimed[1].event_id);
}

#[tokio::test]
async fn leases_are_released_by_node_and_by_claim_on_sqlite() {
    leases_are_released_by_node_and_by_claim(false).await;
}

#[tokio::test]
async fn leases_are_released_by_node_and_by_claim_on_postgres() {
    leases_are_released_by_node_and_by_claim(true).await;
}

/// PostgreSQL runs the journal and the recorder side by side, in read committed. A journal
/// transaction fanning out v2 finds v1 still pending, so writes v2 as no head; the recorder
/// settling v1 at the same time must then see v2 to promote it. It does because it waits for
/// the journal's lock on the order row before it settles anything.
#[tokio::test]
async fn a_settle_waits_for_a_fan_out_of_the_same_order_on_postgres() {
    use rampflow_actors::model::{PartnerId, WalletId};
    use rampflow_actors::store::OrderStore;

    use crate::journal_batch::{create, insert_endpoint, new_order};

    let db = database(true).await;
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    insert_endpoint(&db, "e1", &format!("wallet:{wallet}"), None, false).await;
    let created = create(new_order(wallet, partner), None);
    let order = created.state.order.id.to_string();
    db.store.commit(&[created]).await.unwrap();
    let now = Timestamp::now();
    let lease = now.plus(Duration::from_secs(30));
    let claimed = claim_as(&db.store, NODE, now, lease, None).await;
    assert_eq!(claimed.len(), 1);

    // The journal's transaction for v2, by hand, as far as its fan-out's look at the queue.
    let mut journal = db.raw.begin().await.unwrap();
    sqlx::query("UPDATE orders SET version = 2 WHERE id = $1")
        .bind(&order)
        .execute(&mut *journal)
        .await
        .unwrap();
    let pending: i64 = sqlx::query(
        "SELECT COUNT(*) FROM webhook_deliveries
         WHERE order_id = $1 AND endpoint_id = 'e1' AND state = 'pending'",
    )
    .bind(&order)
    .fetch_one(&mut *journal)
    .await
    .unwrap()
    .get(0);
    assert_eq!(pending, 1, "v1 is still pending: v2 will not be the head");

    // The recorder settles v1 meanwhile, and waits.
    let store = db.store.clone();
    let delivered = settled(&claimed[0], NextStep::Delivered);
    let recorder =
        tokio::spawn(async move { store.record_attempts(NODE, &[delivered], &[], None).await });
    wait_until_one_waits_for_a_lock(
        &db,
        &recorder,
        "the recorder did not wait for the order row",
    )
    .await;

    // The journal writes v2 behind v1 and commits; the recorder then promotes it.
    sqlx::query(
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id, order_version, state,
             attempts, next_attempt_at, updated_at, shard, head)
         VALUES ('v2', 'e1', $1, 2, 'pending', 0, 0, 0, 0, 0)",
    )
    .bind(&order)
    .execute(&mut *journal)
    .await
    .unwrap();
    journal.commit().await.unwrap();
    recorder.await.unwrap().unwrap();
    assert_eq!(pending_heads(&db).await, vec![("v2".to_owned(), 1)]);
}

async fn a_claim_passes_over_the_endpoints_it_is_told_to(on_postgres: bool) {
    let db = database(on_postgres).await;
    for endpoint in ["busy", "idle"] {
        insert_endpoint(&db, endpoint, false).await;
    }
    due(&db, "b1", 1, "busy").await;
    due(&db, "b2", 1, "busy").await;
    due(&db, "i1", 1, "idle").await;
    fix_heads(&db).await;
    let now = Timestamp::now();
    let claimed = db
        .store
        .claim_due(ClaimRequest {
            node: NODE,
            now,
            lease_until: now.plus(Duration::from_secs(30)),
            limit: 1000,
            shards: None,
            skip_endpoints: &["busy".to_owned()],
        })
        .await
        .unwrap();
    let got: Vec<&str> = claimed.iter().map(|d| d.event_id.as_str()).collect();
    assert_eq!(got, vec!["i1-v1"]);
    let rows = deliveries(&db).await;
    assert_eq!(rows[&key("b1-v1", "busy")].leased_until, None, "not leased");
}

#[tokio::test]
async fn a_claim_passes_over_the_endpoints_it_is_told_to_on_sqlite() {
    a_claim_passes_over_the_endpoints_it_is_told_to(false).await;
}

#[tokio::test]
async fn a_claim_passes_over_the_endpoints_it_is_told_to_on_postgres() {
    a_claim_passes_over_the_endpoints_it_is_told_to(true).await;
}

/// A claim that loses a candidate to another node between reading its candidates and leasing
/// them returns exactly the ones it leased (read back by primary key), and the other node's
/// lease stands. The race is staged: the other node's lease is held uncommitted while this
/// claim's lease waits for that row, and is committed once the claim is seen waiting.
#[tokio::test]
async fn a_claim_that_loses_a_candidate_to_another_node_returns_only_its_own_on_postgres() {
    use sqlx::Connection;

    let db = database(true).await;
    insert_endpoint(&db, "e1", false).await;
    for order in ["r1", "r2", "r3"] {
        due(&db, order, 1, "e1").await;
    }
    fix_heads(&db).await;
    let now = Timestamp::now();
    let theirs = now.plus(Duration::from_secs(60)).as_millis();
    let mut other = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query(
        "UPDATE webhook_deliveries SET leased_by = 'node-b', leased_until = $1
         WHERE event_id = 'r2-v1'",
    )
    .bind(theirs)
    .execute(&mut other)
    .await
    .unwrap();

    let claim = {
        let store = db.store.clone();
        tokio::spawn(async move {
            claim_as(&store, NODE, now, now.plus(Duration::from_secs(30)), None).await
        })
    };
    // The claim read its three candidates and now waits for the row the other node holds.
    wait_until_one_waits_for_a_lock(
        &db,
        &claim,
        "the claim's lease did not wait for the row the other node holds",
    )
    .await;
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();

    let claimed = tokio::time::timeout(Duration::from_secs(10), claim)
        .await
        .expect("the claim ends once the other lease commits")
        .unwrap();
    let got: BTreeSet<String> = claimed.iter().map(|d| d.event_id.clone()).collect();
    assert_eq!(
        got,
        BTreeSet::from(["r1-v1".to_owned(), "r3-v1".to_owned()])
    );
    let leases: BTreeMap<String, (String, i64)> = sqlx::query(
        "SELECT event_id, leased_by, leased_until FROM webhook_deliveries ORDER BY event_id",
    )
    .fetch_all(&db.raw)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), (r.get(1), r.get(2))))
    .collect();
    assert_eq!(leases["r2-v1"], ("node-b".to_owned(), theirs));
    assert_eq!(leases["r1-v1"].0, NODE);
    assert_eq!(leases["r3-v1"].0, NODE);
}

/// Returns once one session of the test's PostgreSQL database waits for a row lock, while
/// `task` (the one expected to wait) is still running; fails with `why_not` after 10 s.
async fn wait_until_one_waits_for_a_lock<T>(
    db: &Database,
    task: &tokio::task::JoinHandle<T>,
    why_not: &str,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query(
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .get(0);
        if waiting == 1 {
            return;
        }
        assert!(
            !task.is_finished() && tokio::time::Instant::now() < deadline,
            "{why_not}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
