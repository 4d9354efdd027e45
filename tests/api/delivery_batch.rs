//! Webhook delivery's batched statements against the real store, on SQLite and on
//! PostgreSQL: a claim leases exactly the heads of the (endpoint, order) queues, however many
//! statements the lease takes, and a batch of recorded attempts leaves every delivery where
//! recording them one by one would.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rampflow_actors::model::Timestamp;
use rampflow_actors::webhook::store::{AttemptOutcome, DeliveryStore, NextStep};
use sqlx::Row;

use crate::journal_batch::{database, Database};

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

async fn insert_delivery(db: &Database, d: Pending<'_>) {
    sqlx::query(
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id, order_version, state,
             attempts, next_attempt_at, leased_until, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, 1)",
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

    let lease = now.plus(Duration::from_secs(600));
    let claimed = db.store.claim_due(now, lease, 1000).await.unwrap();

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
        let want = match (leased_now, event.as_str()) {
            (true, _) => Some(lease.as_millis()),
            (false, "leased-v1") => Some(later),
            (false, _) => None,
        };
        assert_eq!(row.leased_until, want, "{event} at {endpoint}");
    }
    // Everything due is leased now: a second claim finds nothing.
    let again = db.store.claim_due(now, lease, 1000).await.unwrap();
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
    db.store.record_attempts(&batch).await.unwrap();

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
