//! One journal batch against the real store, on SQLite and on PostgreSQL: every way a write
//! can fail inside a batch, and the webhook fan-out, in the multi-row statements the batch
//! commit uses. A write that does not land must leave nothing behind.

use std::time::Duration;

use rampflow::config::Settings;
use rampflow::store::orders::{OrderFilter, OrderScope};
use rampflow::store::Store;
use rampflow_actors::model::{
    Address, AssetCode, FiatCurrency, Network, OrderId, PartnerId, PaymentMethod, Reason,
    Timestamp, UserRef, WalletId,
};
use rampflow_actors::order::{
    amount, decide, open, Command, Crypto, Direction, Fiat, NewOrder, OrderState, Outcome,
};
use rampflow_actors::shard::{shard_of, DEFAULT_SHARD_COUNT};
use rampflow_actors::store::{HandOver, IdempotencyRecord, OrderStore, OrderWrite, WriteOutcome};
use rampflow_actors::webhook::store::{AttemptOutcome, NextStep};
use rampflow_actors::webhook::{DeliveredUnrecorded, Recording};
use rampflow_actors::write_for;
use sqlx::Row;

use crate::helpers::{create_postgres_database, drop_postgres_database, postgres_server};

pub(crate) struct Database {
    pub(crate) url: String,
    pub(crate) store: Store,
    pub(crate) raw: sqlx::AnyPool,
    _dir: tempfile::TempDir,
    postgres_name: Option<String>,
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some(name) = self.postgres_name.take() {
            drop_postgres_database(name);
        }
    }
}

pub(crate) async fn database(on_postgres: bool) -> Database {
    let dir = tempfile::tempdir().unwrap();
    let postgres_name = match on_postgres {
        true => Some(create_postgres_database().await),
        false => None,
    };
    let url = match &postgres_name {
        Some(name) => format!("{}/{name}", postgres_server()),
        None => format!("sqlite://{}/batch.db", dir.path().display()),
    };
    let mut settings = Settings::defaults();
    settings.data_dir = dir.path().to_path_buf();
    settings.database_url = url.clone();
    let store = Store::connect(&settings).await.unwrap();
    store.migrate().await.unwrap();
    let raw = sqlx::AnyPool::connect(&url).await.unwrap();
    Database {
        url,
        store,
        raw,
        _dir: dir,
        postgres_name,
    }
}

pub(crate) fn new_order(wallet: WalletId, partner: PartnerId) -> NewOrder {
    NewOrder {
        id: OrderId::new(),
        direction: Direction::Offramp,
        wallet_id: wallet,
        partner_id: partner,
        user_ref: UserRef::parse("u-1").unwrap(),
        external_ref: None,
        crypto: Crypto {
            asset: AssetCode::parse("USDC").unwrap(),
            network: Network::parse("solana").unwrap(),
            amount: amount("10.00"),
        },
        fiat: Fiat {
            currency: FiatCurrency::parse("NGN").unwrap(),
            amount: amount("15000.00"),
        },
        rate: None,
        fees: Vec::new(),
        user_wallet_address: Address::parse("F2etcaJ1userWallet").unwrap(),
        payment_method: PaymentMethod::parse("bank_transfer").unwrap(),
    }
}

pub(crate) fn create(new: NewOrder, key: Option<(&str, &str)>) -> OrderWrite {
    let mut write = write_for(
        open(new, Timestamp::now(), Duration::from_secs(600)),
        0,
        None,
    );
    write.idempotency = key.map(|(owner, key)| IdempotencyRecord {
        owner: owner.to_owned(),
        key: key.to_owned(),
        request_hash: "hash".to_owned(),
        status: 201,
        body: write.document.clone(),
        created_at: Timestamp::now(),
        created_order: Some(write.state.order.id),
    });
    write
}

pub(crate) fn change(state: &OrderState, command: Command, expected_version: u64) -> OrderWrite {
    match decide(state, &command, Timestamp::now()).unwrap() {
        Outcome::Changed(change) => write_for(change, expected_version, None),
        Outcome::Unchanged => panic!("the command changes the order"),
    }
}

async fn count(db: &Database, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

/// The rows of a two-column query: a text and a number.
pub(crate) async fn pairs(db: &Database, sql: &str) -> Vec<(String, i64)> {
    sqlx::query(sql)
        .fetch_all(&db.raw)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

pub(crate) async fn insert_endpoint(
    db: &Database,
    id: &str,
    owner: &str,
    types: Option<&str>,
    deleted: bool,
) {
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, owner, url, event_types, secret, created_at, deleted_at)
         VALUES ($1, $2, 'https://example.com/hook', $3, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 1, $4)",
    )
    .bind(id)
    .bind(owner)
    .bind(types)
    .bind(deleted.then_some(1i64))
    .execute(&db.raw)
    .await
    .unwrap();
}

async fn every_failure_in_one_batch_leaves_nothing_behind(on_postgres: bool) {
    let db = database(on_postgres).await;
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let owner = format!("wallet:{wallet}");

    // Stored before the batch: two orders (to change) and a key another request holds.
    let existing = create(new_order(wallet, partner), None);
    let untouched = create(new_order(wallet, partner), None);
    let held = create(new_order(wallet, partner), Some((&owner, "held")));
    let before = db
        .store
        .commit(&[existing.clone(), untouched.clone(), held])
        .await
        .unwrap();
    assert_eq!(before, vec![WriteOutcome::Committed; 3]);

    let fresh = create(new_order(wallet, partner), Some((&owner, "k1")));
    let same_key_in_batch = create(new_order(wallet, partner), Some((&owner, "k1")));
    let stored_key = create(new_order(wallet, partner), Some((&owner, "held")));
    let mut duplicate_id = create(new_order(wallet, partner), Some((&owner, "k2")));
    duplicate_id.state = existing.state.clone();
    let reason = Reason::parse("no liquidity").unwrap();
    let rejected = change(&existing.state, Command::Reject { reason }, 1);
    // A second change of the same order, expecting the version the first one replaced.
    let stale = change(&existing.state, Command::Cancel, 1);
    // The only change of its order, expecting a version the order never had.
    let wrong_version = change(&untouched.state, Command::Cancel, 7);
    let outcomes = db
        .store
        .commit(&[
            fresh.clone(),
            same_key_in_batch,
            stored_key,
            duplicate_id,
            wrong_version,
            rejected.clone(),
            stale,
        ])
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        vec![
            WriteOutcome::Committed,
            WriteOutcome::IdempotencyKeyTaken,
            WriteOutcome::IdempotencyKeyTaken,
            WriteOutcome::VersionConflict,
            WriteOutcome::VersionConflict,
            WriteOutcome::Committed,
            WriteOutcome::VersionConflict,
        ],
        "on {}",
        db.url
    );

    // Four orders: the three stored first and `fresh`; the existing one is rejected, not
    // cancelled, and the untouched one is as it was.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 4);
    let status: String = sqlx::query("SELECT status FROM orders WHERE id = $1")
        .bind(existing.state.order.id.to_string())
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .get(0);
    assert_eq!(status, "rejected");
    let untouched_status: String = sqlx::query("SELECT status FROM orders WHERE id = $1")
        .bind(untouched.state.order.id.to_string())
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .get(0);
    assert_eq!(untouched_status, "created");
    // One event per landed write: 3 before, `fresh` and `rejected` now.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM order_events").await, 5);
    // The keys of the writes that lost were released: "k2" is free again.
    let keys: Vec<String> = sqlx::query("SELECT key FROM idempotency_keys ORDER BY key")
        .fetch_all(&db.raw)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(keys, vec!["held".to_owned(), "k1".to_owned()]);
    // It names the first request's order, whose `order.created` event holds the response.
    let kept = sqlx::query("SELECT body, order_id FROM idempotency_keys WHERE key = 'k1'")
        .fetch_one(&db.raw)
        .await
        .unwrap();
    assert_eq!(kept.get::<String, _>(0), "");
    assert_eq!(
        kept.get::<Option<String>, _>(1),
        Some(fresh.state.order.id.to_string()),
        "the key keeps the first request's response"
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM webhook_deliveries").await,
        0
    );
}

#[tokio::test]
async fn every_failure_in_one_batch_leaves_nothing_behind_on_sqlite() {
    every_failure_in_one_batch_leaves_nothing_behind(false).await;
}

#[tokio::test]
async fn every_failure_in_one_batch_leaves_nothing_behind_on_postgres() {
    every_failure_in_one_batch_leaves_nothing_behind(true).await;
}

async fn fan_out_follows_owners_types_and_deletions(on_postgres: bool) {
    let db = database(on_postgres).await;
    let (wallet, partner, stranger) = (WalletId::new(), PartnerId::new(), WalletId::new());
    insert_endpoint(&db, "we_all", &format!("wallet:{wallet}"), None, false).await;
    insert_endpoint(
        &db,
        "we_rejected_only",
        &format!("partner:{partner}"),
        Some(r#"["order.rejected"]"#),
        false,
    )
    .await;
    insert_endpoint(&db, "we_deleted", &format!("wallet:{wallet}"), None, true).await;
    insert_endpoint(
        &db,
        "we_stranger",
        &format!("wallet:{stranger}"),
        None,
        false,
    )
    .await;

    // 300 creates (more than one statement's worth) and, in a second batch, one rejection.
    let creates: Vec<OrderWrite> = (0..300)
        .map(|_| create(new_order(wallet, partner), None))
        .collect();
    let outcomes = db.store.commit(&creates).await.unwrap();
    assert!(outcomes.iter().all(|o| *o == WriteOutcome::Committed));
    let reason = Reason::parse("no liquidity").unwrap();
    let rejected = change(&creates[7].state, Command::Reject { reason }, 1);
    db.store
        .commit(std::slice::from_ref(&rejected))
        .await
        .unwrap();

    let per_endpoint = pairs(
        &db,
        "SELECT endpoint_id, COUNT(*) FROM webhook_deliveries GROUP BY endpoint_id ORDER BY endpoint_id",
    )
    .await;
    assert_eq!(
        per_endpoint,
        vec![
            ("we_all".to_owned(), 301),
            ("we_rejected_only".to_owned(), 1)
        ],
        "on {}",
        db.url
    );
    let delivery = sqlx::query(
        "SELECT event_id, order_id, order_version, state, attempts FROM webhook_deliveries
         WHERE endpoint_id = 'we_rejected_only'",
    )
    .fetch_one(&db.raw)
    .await
    .unwrap();
    assert_eq!(delivery.get::<String, _>(0), rejected.event.id.to_string());
    assert_eq!(
        delivery.get::<String, _>(1),
        creates[7].state.order.id.to_string()
    );
    assert_eq!(delivery.get::<i64, _>(2), 2);
    assert_eq!(delivery.get::<String, _>(3), "pending");
    assert_eq!(delivery.get::<i64, _>(4), 0);

    // Each delivery carries its order's shard, and only the first pending version of each
    // (endpoint, order) is its head: the rejection waits behind the creation at `we_all`, and
    // is the head at the endpoint that wanted nothing earlier.
    let rows: Vec<(String, String, i64, i64, i64)> = sqlx::query(
        "SELECT endpoint_id, order_id, order_version, shard, head FROM webhook_deliveries",
    )
    .fetch_all(&db.raw)
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4)))
    .collect();
    let rejected_order = creates[7].state.order.id;
    for (endpoint, order, version, shard, head) in rows {
        let id = rampflow_actors::model::OrderId::parse(&order).unwrap();
        assert_eq!(shard, i64::from(shard_of(id, DEFAULT_SHARD_COUNT).get()));
        let waits = endpoint == "we_all" && id == rejected_order && version == 2;
        assert_eq!(head, i64::from(!waits), "{endpoint} v{version} of {order}");
    }
}

#[tokio::test]
async fn fan_out_follows_owners_types_and_deletions_on_sqlite() {
    fan_out_follows_owners_types_and_deletions(false).await;
}

#[tokio::test]
async fn fan_out_follows_owners_types_and_deletions_on_postgres() {
    fan_out_follows_owners_types_and_deletions(true).await;
}

/// On SQLite the journal's committer checkpoints the WAL when the writer is idle, once its
/// interval has passed: the rows it committed reach the database file then, rather than inside
/// a later commit. With the interval at zero it leaves them in the WAL for SQLite's own
/// checkpoint (1000 pages, far more than these rows).
#[tokio::test]
async fn the_sqlite_journal_checkpoints_when_idle_only_if_asked() {
    for (interval, checkpoints) in [(Duration::from_millis(1), true), (Duration::ZERO, false)] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("checkpoint.db");
        let mut settings = Settings::defaults();
        settings.data_dir = dir.path().to_path_buf();
        settings.database_url = format!("sqlite://{}", file.display());
        settings.database.idle_checkpoint_interval = interval;
        let store = Store::connect(&settings).await.unwrap();
        store.migrate().await.unwrap();
        let mut committer = store
            .blocking_committer()
            .expect("SQLite commits on a connection of its own");
        let writes: Vec<OrderWrite> = (0..200)
            .map(|_| create(new_order(WalletId::new(), PartnerId::new()), None))
            .collect();
        let (before, after) = tokio::task::spawn_blocking(move || {
            let committed = committer.commit(&writes, None).unwrap();
            assert_eq!(committed.outcomes, vec![WriteOutcome::Committed; 200]);
            let size = || std::fs::metadata(&file).unwrap().len();
            let before = size();
            std::thread::sleep(Duration::from_millis(5));
            committer.idle();
            (before, size())
        })
        .await
        .unwrap();
        if checkpoints {
            assert!(
                after > before,
                "the checkpoint should have grown the file ({before} → {after} bytes)"
            );
        } else {
            assert_eq!(after, before, "nothing should have left the WAL");
        }
        store.close().await;
    }
}

/// A server on SQLite commits on the journal's own thread (`rampflow-journal`), which owns its
/// connection, rather than through a Tokio task and sqlx: a store wrapper that did not pass its
/// committer on would leave the writer on the async path, and no thread of that name would run.
#[tokio::test]
async fn a_server_on_sqlite_journals_on_a_thread_of_its_own() {
    if crate::helpers::engine() != crate::helpers::Engine::Sqlite {
        eprintln!("the journal's own thread is SQLite's; this run is on PostgreSQL");
        return;
    }
    let app = crate::helpers::spawn_app().await;
    let fixture = app.fixture().await;
    app.new_order(&fixture, "offramp").await;
    let threads: Vec<String> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect();
    // The kernel keeps 15 bytes of a thread's name.
    assert!(
        threads.iter().any(|name| name == "rampflow-journa"),
        "no journal thread among {threads:?}"
    );
}

/// An order's next event heads its webhook queue at once, and is handed over with the commit,
/// when all that is pending before it was delivered by this node and not yet recorded: the
/// same transaction records those attempts. A crash then cannot resend the earlier event after
/// the later one: both are committed, or neither. While the earlier delivery is merely pending,
/// the next event waits behind it.
async fn a_delivered_unrecorded_event_is_recorded_with_the_next(on_postgres: bool) {
    let db = database(on_postgres).await;
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    insert_endpoint(&db, "ep-wallet", &format!("wallet:{wallet}"), None, false).await;
    let delivered = DeliveredUnrecorded::default();
    let hand_over = HandOver {
        lease_until: Timestamp::now().plus(Duration::from_secs(25)),
        delivered: &delivered,
    };
    let (waiting, unblocked) = (
        create(new_order(wallet, partner), None),
        create(new_order(wallet, partner), None),
    );
    let first = db
        .store
        .commit_handing_over(&[waiting.clone(), unblocked.clone()], hand_over)
        .await
        .unwrap();
    assert_eq!(first.handed.as_ref().map(Vec::len), Some(2));

    // The receiver accepted `unblocked`'s order.created; the recorder has not run.
    let created = unblocked.event.id.to_string();
    delivered.insert(&AttemptOutcome {
        event_id: created.clone(),
        endpoint_id: "ep-wallet".into(),
        order_id: unblocked.state.order.id.to_string(),
        attempts: 1,
        attempted_at: Timestamp::now(),
        status_code: Some(204),
        duration_ms: 3,
        error: None,
        response_body: None,
        next: NextStep::Delivered,
        disable_endpoint: false,
    });
    let reason = Reason::parse("no liquidity").unwrap();
    let next = [
        change(&waiting.state, Command::Cancel, 1),
        change(&unblocked.state, Command::Reject { reason }, 1),
    ];
    let second = db
        .store
        .commit_handing_over(&next, hand_over)
        .await
        .unwrap();
    assert_eq!(second.outcomes, vec![WriteOutcome::Committed; 2]);
    let unblocked_id = unblocked.state.order.id.to_string();
    let handed: Vec<(String, i64)> = second
        .handed
        .expect("handed over")
        .iter()
        .map(|d| (d.order_id.clone(), d.order_version))
        .collect();
    assert_eq!(handed, vec![(unblocked_id.clone(), 2)]);
    // The unblocked order's second delivery heads its queue, the waiting order's does not.
    let heads = pairs(
        &db,
        "SELECT order_id, head FROM webhook_deliveries WHERE order_version = 2 ORDER BY order_id",
    )
    .await;
    let mut expected = vec![(waiting.state.order.id.to_string(), 0), (unblocked_id, 1)];
    expected.sort();
    assert_eq!(heads, expected);
    // The first delivery was recorded by that same transaction, attempt and all, and settled
    // in the set, so the recorder will not write it again.
    let recorded = pairs(
        &db,
        &format!(
            "SELECT d.state, (SELECT COUNT(*) FROM webhook_attempts a
                 WHERE a.event_id = d.event_id AND a.status_code = 204)
             FROM webhook_deliveries d WHERE d.event_id = '{created}'"
        ),
    )
    .await;
    assert_eq!(recorded, vec![("delivered".to_owned(), 1)]);
    assert_eq!(delivered.take(&created, "ep-wallet"), Recording::Recorded);
}

#[tokio::test]
async fn a_delivered_unrecorded_event_is_recorded_with_the_next_on_sqlite() {
    a_delivered_unrecorded_event_is_recorded_with_the_next(false).await;
}

#[tokio::test]
async fn a_delivered_unrecorded_event_is_recorded_with_the_next_on_postgres() {
    a_delivered_unrecorded_event_is_recorded_with_the_next(true).await;
}

/// The stored document of order `id`'s row, as the row itself holds it.
async fn row_document(db: &Database, id: OrderId) -> String {
    sqlx::query("SELECT document FROM orders WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .get(0)
}

/// Commits `write` alone, checks that its order's row then holds `in_row` as its document,
/// and returns the order as activation reads it.
async fn commit_and_load(db: &Database, write: &OrderWrite, in_row: &str) -> OrderState {
    let outcomes = db.store.commit(std::slice::from_ref(write)).await.unwrap();
    assert_eq!(outcomes, vec![WriteOutcome::Committed]);
    let id = write.state.order.id;
    assert_eq!(row_document(db, id).await, in_row);
    db.store.load(id).await.unwrap().expect("stored")
}

/// On SQLite each change writes the order's document once, in its event: the row leaves it
/// empty, and every reader of the order (activation, listings, the create's conflict check)
/// finds it in the event of the row's version. PostgreSQL's rows keep it, and the same readers
/// take it from there. Seeded orders, which have no events, keep theirs on both.
async fn an_orders_document_is_written_once_in_its_event(on_postgres: bool) {
    let db = database(on_postgres).await;
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let created = create(new_order(wallet, partner), None);
    let id = created.state.order.id;
    // What the row itself holds after `write`.
    let in_row = |write: &OrderWrite| match on_postgres {
        true => write.document.to_string(),
        false => String::new(),
    };
    let loaded = commit_and_load(&db, &created, &in_row(&created)).await;
    let payload: String = sqlx::query("SELECT payload FROM order_events WHERE order_id = $1")
        .bind(id.to_string())
        .fetch_one(&db.raw)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        rampflow_actors::document_in_event_payload(&payload),
        Some(&*created.document)
    );
    assert_eq!(
        serde_json::to_string(&loaded.order).unwrap(),
        *created.document
    );
    assert_eq!(loaded, *created.state, "activation reads the same order");

    let rejected = change(
        &created.state,
        Command::Reject {
            reason: Reason::parse("no liquidity").unwrap(),
        },
        1,
    );
    let loaded = commit_and_load(&db, &rejected, &in_row(&rejected)).await;
    assert_eq!(
        serde_json::to_string(&loaded.order).unwrap(),
        *rejected.document,
        "the document of the row's version, not the first one"
    );
    let listed = db
        .store
        .list_orders(OrderScope::Wallet(wallet), &OrderFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(listed, vec![(id, rejected.document.to_string())]);

    // The same id created again with another document is a lost compare-and-set, found by
    // the document in the stored order's event.
    let mut same_id = create(new_order(wallet, partner), None);
    same_id.state = created.state.clone();
    let outcomes = db.store.commit(&[same_id]).await.unwrap();
    assert_eq!(outcomes, vec![WriteOutcome::VersionConflict]);

    let seeded = create(new_order(wallet, partner), None);
    assert_eq!(
        db.store
            .seed_orders(std::slice::from_ref(&seeded))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        row_document(&db, seeded.state.order.id).await,
        *seeded.document
    );
    let loaded = db.store.load(seeded.state.order.id).await.unwrap();
    assert_eq!(
        loaded.as_ref(),
        Some(&*seeded.state),
        "a seeded order has no event"
    );
}

#[tokio::test]
async fn an_orders_document_is_written_once_in_its_event_on_sqlite() {
    an_orders_document_is_written_once_in_its_event(false).await;
}

#[tokio::test]
async fn an_orders_document_is_written_once_in_its_event_on_postgres() {
    an_orders_document_is_written_once_in_its_event(true).await;
}
