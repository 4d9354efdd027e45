//! The claim stays on its index however large the backlog and whatever the planner knows: on
//! PostgreSQL, 100 000 pending deliveries (and settled history) that were never analyzed, the
//! claim's and the recorder's exact statements EXPLAINed, and the claim run against them. The
//! journal's multi-row order update likewise stays on the primary key of a large orders table,
//! and an endpoint's pending deliveries are found through the index that holds only those.
//!
//! The old claim looked for an earlier pending version of every candidate; with no planner
//! statistics that anti-join ran for minutes on a backlog a third this size.

use std::collections::BTreeSet;
use std::time::Duration;

use rampflow::store::deliveries::claim_statements;
use rampflow::store::order_writes::order_update_statement;
use rampflow::store::orders::load_statement;
use rampflow::store::recorder::{lease_heads_statement, record_statements};
use rampflow::store::Engine;
use rampflow_actors::model::Timestamp;
use rampflow_actors::shard::ShardId;
use rampflow_actors::webhook::store::{ClaimRequest, DeliveryStore};
use serde_json::Value;
use sqlx::{Connection, Row};

use crate::journal_batch::database;

const PENDING: i64 = 100_000;
const DELIVERED: i64 = 20_000;

/// Fills the table: `PENDING` pending deliveries of orders at versions 1 to 4 (only version 1
/// is a head), a tenth of them leased, a fifth not due for an hour; `DELIVERED` settled ones;
/// eight live endpoints and every event's payload. Times are around `now`.
async fn fill(pg: &mut sqlx::PgConnection, now: i64) {
    for sql in [
        "INSERT INTO webhook_endpoints (id, owner, url, secret, created_at)
         SELECT 'e' || n, 'wallet:w', 'https://example.com/' || n, 'whsec_AAAA', 1
         FROM generate_series(0, 7) AS n",
        // Order o<i div 4>, version <i mod 4 + 1>: four versions per order and endpoint.
        "INSERT INTO order_events (id, order_id, version, type, created_at, payload)
         SELECT 'ev' || i, 'o' || (i / 4), i % 4 + 1, 'order.created', 1, '{\"n\":' || i || '}'
         FROM generate_series(0, $1 - 1) AS i",
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id, order_version, state,
             attempts, next_attempt_at, leased_until, leased_by, updated_at, shard, head)
         SELECT 'ev' || i, 'e' || ((i / 4) % 8), 'o' || (i / 4), i % 4 + 1, 'pending', 0,
                CASE WHEN i % 5 = 4 THEN $2 + 3600000 ELSE $2 - 100000 + i END,
                CASE WHEN i % 40 = 0 THEN $2 + 20000 END,
                CASE WHEN i % 40 = 0 THEN 'node-b' END,
                1, (i / 4) % 256, CASE WHEN i % 4 = 0 THEN 1 ELSE 0 END
         FROM generate_series(0, $1 - 1) AS i",
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id, order_version, state,
             attempts, next_attempt_at, updated_at, shard, head)
         SELECT 'old' || i, 'e' || (i % 8), 'old' || i, 1, 'delivered', 1, $2 - 9000000, 1,
                i % 256, 0
         FROM generate_series(0, $3 - 1) AS i",
    ] {
        sqlx::query(sql)
            .bind(PENDING)
            .bind(now)
            .bind(DELIVERED)
            .execute(&mut *pg)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
}

/// `EXPLAIN (FORMAT JSON)` of `sql` with `binds` (all integers or text).
async fn plan(pg: &mut sqlx::PgConnection, sql: &str, binds: &[Bind]) -> Value {
    let explain = format!("EXPLAIN (FORMAT JSON) {sql}");
    let mut query = sqlx::query(&explain);
    for bind in binds {
        query = match bind {
            Bind::Int(n) => query.bind(*n),
            Bind::Text(text) => query.bind(text.clone()),
        };
    }
    let row = query.fetch_one(&mut *pg).await.unwrap();
    // The `json` column, read as the text it is.
    let text: String = row.try_get_unchecked(0).unwrap();
    serde_json::from_str(&text).unwrap()
}

enum Bind {
    Int(i64),
    Text(String),
}

/// Every plan node, depth first.
fn nodes(plan: &Value) -> Vec<&Value> {
    let mut found = vec![plan];
    for child in plan["Plans"].as_array().into_iter().flatten() {
        found.extend(nodes(child));
    }
    found
}

/// Asserts that `explained` reads `table` through `index` (an index scan, or a bitmap scan
/// of it) and never sequentially, nor through another index.
fn assert_index_only(explained: &Value, table: &str, index: &str, what: &str) {
    let all = nodes(&explained[0]["Plan"]);
    let scans: Vec<&&Value> = all
        .iter()
        .filter(|node| node["Relation Name"] == table && node["Node Type"] != "ModifyTable")
        .collect();
    assert!(
        !scans.is_empty(),
        "{what}: no scan of {table}: {explained:#}"
    );
    for scan in scans {
        let kind = scan["Node Type"].as_str().unwrap_or_default();
        let used: Vec<&str> = match kind {
            "Index Scan" | "Index Only Scan" => vec![scan["Index Name"].as_str().unwrap()],
            // The index is named by the bitmap index scans beneath.
            "Bitmap Heap Scan" => nodes(scan)
                .iter()
                .filter_map(|node| node["Index Name"].as_str())
                .collect(),
            _ => panic!("{what}: a {kind} of {table}: {explained:#}"),
        };
        assert!(
            !used.is_empty() && used.iter().all(|name| *name == index),
            "{what}: {table} read through {used:?}, expected {index}: {explained:#}"
        );
    }
}

#[tokio::test]
async fn the_claim_uses_its_index_on_a_large_unanalyzed_backlog_on_postgres() {
    let db = database(true).await;
    let mut pg = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let now = Timestamp::now();
    fill(&mut pg, now.as_millis()).await;
    let analyzed: i64 =
        sqlx::query("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'webhook_deliveries'")
            .fetch_one(&mut pg)
            .await
            .unwrap()
            .get(0);
    assert_eq!(analyzed, 0, "the table must have no planner statistics");

    let served: Vec<ShardId> = (0..256).step_by(2).map(ShardId::new).collect();
    let single = claim_statements(Engine::Postgres, None, 0, 128);
    let cluster = claim_statements(Engine::Postgres, Some(&served), 2, 128);
    for (what, statements) in [("single node", &single), ("cluster node", &cluster)] {
        let mut binds = vec![Bind::Int(now.as_millis()), Bind::Int(1000)];
        if what == "cluster node" {
            // A cluster node passing over two saturated endpoints.
            binds.extend([Bind::Text("e1".into()), Bind::Text("e2".into())]);
        }
        let explained = plan(&mut pg, &statements.candidates, &binds).await;
        assert_index_only(
            &explained,
            "webhook_deliveries",
            "webhook_deliveries_ready",
            what,
        );
    }
    // The lease of 128 rows, by primary key.
    let mut binds = vec![
        Bind::Int(now.plus(Duration::from_secs(20)).as_millis()),
        Bind::Text("node-a".into()),
    ];
    for i in 0..128 {
        binds.push(Bind::Text(format!("ev{}", i * 4)));
        binds.push(Bind::Text(format!("e{}", i % 8)));
    }
    binds.push(Bind::Int(now.as_millis()));
    let explained = plan(&mut pg, &single.lease, &binds).await;
    assert_index_only(
        &explained,
        "webhook_deliveries",
        "webhook_deliveries_pkey",
        "lease",
    );
    // Reading back which of 128 candidates this claim leased, by primary key too (not
    // through the index of leased rows, which SQLite does not have).
    let mut binds = vec![
        Bind::Text("node-a".into()),
        Bind::Int(now.plus(Duration::from_secs(20)).as_millis()),
    ];
    for i in 0..128 {
        binds.push(Bind::Text(format!("ev{}", i * 4)));
        binds.push(Bind::Text(format!("e{}", i % 8)));
    }
    let explained = plan(&mut pg, &single.read_back, &binds).await;
    assert_index_only(
        &explained,
        "webhook_deliveries",
        "webhook_deliveries_pkey",
        "read-back",
    );
    let ids = |prefix: &str| -> Vec<Bind> {
        (0..128)
            .map(|i| Bind::Text(format!("{prefix}{i}")))
            .collect()
    };
    let explained = plan(&mut pg, &single.payloads, &ids("ev")).await;
    assert_index_only(&explained, "order_events", "order_events_pkey", "payloads");

    // The recorder's statements, each by primary key or by the index of pending deliveries
    // by order: settling 128 outcomes, giving back 128 claims, reading 128 orders' pending
    // deliveries, setting heads and leasing them.
    let recorder = record_statements(Engine::Postgres, 128);
    let mut binds = vec![Bind::Int(now.as_millis())];
    for i in 0..128 {
        binds.extend([
            Bind::Text(format!("ev{}", i * 4)),
            Bind::Text(format!("e{}", i % 8)),
            Bind::Text("delivered".into()),
            Bind::Int(1),
            Bind::Int(now.as_millis()),
            Bind::Int(200),
            Bind::Text("none".into()),
        ]);
    }
    binds.push(Bind::Text("node-a".into()));
    let explained = plan(&mut pg, &recorder.settle, &binds).await;
    assert_index_only(
        &explained,
        "webhook_deliveries",
        "webhook_deliveries_pkey",
        "settle",
    );
    let mut binds = Vec::new();
    for i in 0..128 {
        binds.extend([
            Bind::Text(format!("ev{}", i * 4)),
            Bind::Text(format!("e{}", i % 8)),
            Bind::Int(now.as_millis()),
        ]);
    }
    binds.push(Bind::Text("node-a".into()));
    let explained = plan(&mut pg, &recorder.release, &binds).await;
    assert_index_only(
        &explained,
        "webhook_deliveries",
        "webhook_deliveries_pkey",
        "release",
    );
    let explained = plan(&mut pg, &recorder.pending_of_orders, &ids("o")).await;
    assert_index_only(
        &explained,
        "webhook_deliveries",
        "webhook_deliveries_pending_by_order",
        "pending of orders",
    );
    let mut binds = Vec::new();
    for i in 0..128 {
        binds.extend([
            Bind::Text(format!("ev{}", i * 4 + 1)),
            Bind::Text(format!("e{}", i % 8)),
            Bind::Int(1),
        ]);
    }
    let explained = plan(&mut pg, &recorder.set_heads, &binds).await;
    assert_index_only(
        &explained,
        "webhook_deliveries",
        "webhook_deliveries_pkey",
        "set heads",
    );
    // Leasing 128 new heads: the deliveries and their payloads by primary key (the
    // endpoints' table is as small as a real one and may be read whole).
    let mut binds = vec![
        Bind::Text("node-a".into()),
        Bind::Int(now.plus(Duration::from_secs(20)).as_millis()),
        Bind::Int(now.as_millis()),
    ];
    for i in 0..128 {
        binds.push(Bind::Text(format!("ev{}", i * 4 + 1)));
        binds.push(Bind::Text(format!("e{}", i % 8)));
    }
    let explained = plan(&mut pg, &lease_heads_statement(128), &binds).await;
    assert_index_only(
        &explained,
        "webhook_deliveries",
        "webhook_deliveries_pkey",
        "lease heads",
    );
    assert_index_only(
        &explained,
        "order_events",
        "order_events_pkey",
        "lease heads' payloads",
    );

    // And the claim itself: the due heads nobody holds, earliest first, of the served shards.
    let expected: Vec<String> = (0..PENDING)
        .filter(|i| i % 4 == 0 && i % 5 != 4 && i % 40 != 0)
        .filter(|i| (i / 4) % 256 % 2 == 0)
        .take(1000)
        .map(|i| format!("ev{i}"))
        .collect();
    let claimed = db
        .store
        .claim_due(ClaimRequest {
            node: "node-a",
            now,
            lease_until: now.plus(Duration::from_secs(20)),
            limit: 1000,
            shards: Some(&served),
            skip_endpoints: &[],
        })
        .await
        .unwrap();
    let got: Vec<String> = claimed.iter().map(|d| d.event_id.clone()).collect();
    assert_eq!(got.len(), 1000);
    assert_eq!(
        got.iter().collect::<BTreeSet<_>>(),
        expected.iter().collect::<BTreeSet<_>>()
    );
    for delivery in &claimed {
        let i: i64 = delivery.event_id[2..].parse().unwrap();
        assert_eq!(delivery.payload, format!("{{\"n\":{i}}}"));
        assert_eq!(delivery.url, format!("https://example.com/{}", (i / 4) % 8));
        assert_eq!(delivery.shard.get() as i64, (i / 4) % 256);
    }
    let leased: i64 =
        sqlx::query("SELECT COUNT(*) FROM webhook_deliveries WHERE leased_by = 'node-a'")
            .fetch_one(&mut pg)
            .await
            .unwrap()
            .get(0);
    assert_eq!(leased, 1000);
}

#[tokio::test]
async fn the_journals_order_update_uses_the_primary_key_on_a_large_unanalyzed_table_on_postgres() {
    let db = database(true).await;
    let mut pg = sqlx::PgConnection::connect(&db.url).await.unwrap();
    fill_orders(&mut pg).await;
    for rows in [1, 16, 128] {
        let mut binds = Vec::new();
        for row in 0..rows {
            binds.extend([
                Bind::Text(format!("o{}", row * 7)),
                Bind::Text("accepted".into()),
                Bind::Int(2),
                Bind::Text("x".into()),
                Bind::Int(2),
                Bind::Int(1),
                Bind::Int(5),
                Bind::Int(6),
                Bind::Int(7),
                Bind::Text("{}".into()),
                Bind::Text("{}".into()),
                Bind::Int(1),
            ]);
        }
        let explained = plan(&mut pg, &order_update_statement(rows), &binds).await;
        assert_index_only(
            &explained,
            "orders",
            "orders_pkey",
            &format!("order update of {rows} rows"),
        );
    }
}

/// `PENDING` orders `o<i>` at version 1, as the journal writes them (the document left to the
/// event), each with its `order.created` event.
async fn fill_orders(pg: &mut sqlx::PgConnection) {
    for sql in [
        "INSERT INTO orders (id, wallet_id, partner_id, user_ref, direction, status, version,
             created_at, updated_at, live, document, shard)
         SELECT 'o' || i, 'w' || (i % 10), 'p' || (i % 3), 'u', 'onramp', 'created', 1, 1, 1,
                i % 2, '', i % 256
         FROM generate_series(0, $1 - 1) AS i",
        "INSERT INTO order_events (id, order_id, version, type, created_at, payload)
         SELECT 'ev' || i, 'o' || i, 1, 'order.created', 1,
                '{\"type\":\"order.created\",\"timestamp\":\"t\",\"data\":{\"n\":' || i || '}}'
         FROM generate_series(0, $1 - 1) AS i",
    ] {
        sqlx::query(sql)
            .bind(PENDING)
            .execute(&mut *pg)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
}

/// Activating an order reads its row by primary key and its document from the event of the
/// row's version through the events' unique `(order_id, version)`, on tables never analyzed.
#[tokio::test]
async fn an_orders_document_is_read_from_its_event_by_index_on_a_large_unanalyzed_table_on_postgres(
) {
    let db = database(true).await;
    let mut pg = sqlx::PgConnection::connect(&db.url).await.unwrap();
    fill_orders(&mut pg).await;
    let explained = plan(
        &mut pg,
        &load_statement(Engine::Postgres),
        &[Bind::Text("o700".into())],
    )
    .await;
    assert_index_only(&explained, "orders", "orders_pkey", "an order's row");
    assert_index_only(
        &explained,
        "order_events",
        "order_events_order_id_version_key",
        "the event of the row's version",
    );
    let payload: Option<String> = sqlx::query(&load_statement(Engine::Postgres))
        .bind("o700")
        .fetch_one(&mut pg)
        .await
        .unwrap()
        .get("payload");
    let document = payload
        .as_deref()
        .and_then(rampflow_actors::document_in_event_payload);
    assert_eq!(document, Some(r#"{"n":700}"#));
}

/// SQLite's planner takes the events' unique `(order_id, version)` for the same lookup.
#[tokio::test]
async fn an_orders_document_is_read_from_its_event_by_index_on_sqlite() {
    let db = database(false).await;
    let steps: Vec<String> = sqlx::query(&format!(
        "EXPLAIN QUERY PLAN {}",
        load_statement(Engine::Sqlite)
    ))
    .bind("o1")
    .fetch_all(&db.raw)
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get::<String, _>("detail").unwrap())
    .collect();
    assert!(
        steps
            .iter()
            .any(|step| step.contains("SEARCH e USING INDEX")
                && step.contains("(order_id=? AND version=?)")),
        "{steps:?}"
    );
    assert!(
        !steps.iter().any(|step| step.starts_with("SCAN")),
        "{steps:?}"
    );
}

/// What fails the deliveries an endpoint still owes, once it is deleted or answers 410 Gone.
const FAIL_ENDPOINTS_PENDING: &str =
    "UPDATE webhook_deliveries SET state = 'failed', head = 0, leased_until = NULL,
         leased_by = NULL, last_error = 'endpoint deleted', updated_at = $1
     WHERE endpoint_id = $2 AND state = 'pending'";

/// An endpoint's pending deliveries are found through an index of pending rows alone, on a
/// large table never analyzed; settled history is in no index of the endpoint's, so recording
/// an attempt no longer moves an index entry, and the index does not grow with history.
#[tokio::test]
async fn an_endpoints_pending_deliveries_are_read_through_their_own_index_on_postgres() {
    let db = database(true).await;
    let mut pg = sqlx::PgConnection::connect(&db.url).await.unwrap();
    fill(&mut pg, Timestamp::now().as_millis()).await;
    let binds = [Bind::Int(1), Bind::Text("e3".into())];
    let explained = plan(&mut pg, FAIL_ENDPOINTS_PENDING, &binds).await;
    assert_index_only(
        &explained,
        "webhook_deliveries",
        "webhook_deliveries_pending_by_endpoint",
        "failing an endpoint's pending deliveries",
    );
    let failed = sqlx::query(FAIL_ENDPOINTS_PENDING)
        .bind(1_i64)
        .bind("e3")
        .execute(&mut pg)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(failed, (PENDING / 8) as u64, "every pending delivery of e3");
    let by_state: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT endpoint_id, state, COUNT(*) FROM webhook_deliveries
         WHERE endpoint_id IN ('e3', 'e4') GROUP BY endpoint_id, state ORDER BY 1, 2",
    )
    .fetch_all(&mut pg)
    .await
    .unwrap();
    let (pending, delivered) = (PENDING / 8, DELIVERED / 8);
    assert_eq!(
        by_state,
        [
            ("e3".into(), "delivered".into(), delivered),
            ("e3".into(), "failed".into(), pending),
            ("e4".into(), "delivered".into(), delivered),
            ("e4".into(), "pending".into(), pending),
        ]
    );
}

/// SQLite's planner takes the same index for the same statement, and not for the pending
/// deliveries of an order (the journal's and the recorder's lookup), which have theirs.
#[tokio::test]
async fn an_endpoints_pending_deliveries_are_read_through_their_own_index_on_sqlite() {
    let db = database(false).await;
    let steps = |sql: String, bind: &'static str| {
        let pool = db.raw.clone();
        async move {
            sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
                .bind(1_i64)
                .bind(bind)
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get::<String, _>("detail").unwrap())
                .collect::<Vec<String>>()
        }
    };
    let uses = |steps: &[String], index: &str| {
        steps
            .iter()
            .any(|step| step.contains(&format!("USING INDEX {index}")))
    };
    let failing = steps(FAIL_ENDPOINTS_PENDING.into(), "e3").await;
    assert!(
        uses(&failing, "webhook_deliveries_pending_by_endpoint"),
        "{failing:?}"
    );
    // (`updated_at > ?1` only gives the first parameter a place.)
    let of_an_order = steps(
        "SELECT endpoint_id, event_id FROM webhook_deliveries
         WHERE updated_at > ?1 AND state = 'pending' AND order_id = ?2"
            .into(),
        "o1",
    )
    .await;
    assert!(
        uses(&of_an_order, "webhook_deliveries_pending_by_order"),
        "{of_an_order:?}"
    );
}
