//! Migration 0006 on a database that already has deliveries, on SQLite and on PostgreSQL:
//! each gets its order's shard (as 0005 computes `orders.shard`) and the lowest pending version
//! of each (endpoint, order) becomes its head.

use rampflow_actors::model::OrderId;
use rampflow_actors::shard::{shard_of, DEFAULT_SHARD_COUNT};
use sqlx::Row;

use crate::helpers::{create_postgres_database, drop_postgres_database, postgres_server};

const SQLITE: [&str; 6] = [
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_webhooks.sql"),
    include_str!("../../migrations/sqlite/0003_deliveries_by_endpoint_state.sql"),
    include_str!("../../migrations/sqlite/0004_pricing_and_quotes.sql"),
    include_str!("../../migrations/sqlite/0005_order_shards.sql"),
    include_str!("../../migrations/sqlite/0006_delivery_heads_and_shards.sql"),
];

const POSTGRES: [&str; 6] = [
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_webhooks.sql"),
    include_str!("../../migrations/postgres/0003_deliveries_by_endpoint_state.sql"),
    include_str!("../../migrations/postgres/0004_pricing_and_quotes.sql"),
    include_str!("../../migrations/postgres/0005_cluster.sql"),
    include_str!("../../migrations/postgres/0006_delivery_heads_and_shards.sql"),
];

async fn existing_deliveries_get_their_shard_and_heads(on_postgres: bool) {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let postgres = match on_postgres {
        true => Some(create_postgres_database().await),
        false => None,
    };
    let url = match &postgres {
        Some(name) => format!("{}/{name}", postgres_server()),
        None => format!("sqlite://{}/old.db?mode=rwc", dir.path().display()),
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let migrations = if on_postgres { POSTGRES } else { SQLITE };
    for sql in &migrations[..5] {
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    }
    let (a, b) = (OrderId::new(), OrderId::new());
    // (order, version, endpoint, state)
    let rows = [
        (a, 1, "e1", "delivered"),
        (a, 2, "e1", "pending"),
        (a, 3, "e1", "pending"),
        (a, 1, "e2", "pending"),
        (a, 2, "e2", "pending"),
        (b, 1, "e1", "failed"),
        (b, 2, "e1", "failed"),
        (b, 3, "e1", "pending"),
    ];
    for (order, version, endpoint, state) in rows {
        sqlx::query(
            "INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id, order_version,
                 state, attempts, next_attempt_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 0, 0, 0)",
        )
        .bind(format!("{order}-v{version}"))
        .bind(endpoint)
        .bind(order.to_string())
        .bind(version)
        .bind(state)
        .execute(&pool)
        .await
        .unwrap();
    }

    sqlx::raw_sql(migrations[5]).execute(&pool).await.unwrap();

    let heads: Vec<(String, String, i64, i64)> = sqlx::query(
        "SELECT event_id, endpoint_id, shard, head FROM webhook_deliveries
         ORDER BY event_id, endpoint_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
    .collect();
    let mut expected: Vec<(String, String, i64, i64)> = rows
        .iter()
        .map(|(order, version, endpoint, _)| {
            let head = matches!(
                (order == &a, *version, *endpoint),
                (true, 2, "e1") | (true, 1, "e2") | (false, 3, "e1")
            );
            (
                format!("{order}-v{version}"),
                endpoint.to_string(),
                i64::from(shard_of(*order, DEFAULT_SHARD_COUNT).get()),
                i64::from(head),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(heads, expected);
    pool.close().await;
    if let Some(name) = postgres {
        drop_postgres_database(name);
    }
}

#[tokio::test]
async fn existing_deliveries_get_their_shard_and_heads_on_sqlite() {
    existing_deliveries_get_their_shard_and_heads(false).await;
}

#[tokio::test]
async fn existing_deliveries_get_their_shard_and_heads_on_postgres() {
    existing_deliveries_get_their_shard_and_heads(true).await;
}
