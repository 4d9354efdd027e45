//! The operator's live views: `GET /v1/ops/stats` (a JSON snapshot of the actors) and
//! `GET /v1/ops/cluster` (the nodes and their shards).

use std::sync::atomic::Ordering;

use actix_web::{web, HttpResponse};
use rampflow_actors::crossings::Hop;
use rampflow_actors::model::Timestamp;
use rampflow_actors::order::{Status, TimerKind};
use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::auth::Principal;
use super::error::ApiError;
use super::AppState;

/// `GET /v1/ops/stats`
#[utoipa::path(
    get,
    path = "/v1/ops/stats",
    tag = "operations",
    operation_id = "get_ops_stats",
    summary = "Live figures of the order actors (operator)",
    description = "Live actors by status, mailbox depth, pending timers and the group-commit journal's figures, read from memory.",
    security(("bearer" = ["operator"])),
    responses(
        (status = 200, description = "The figures.", body = super::openapi::OpsStats),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, description = "`forbidden`: only the operator may call this endpoint.", body = super::openapi::ErrorBody,
            example = json!(super::openapi::error_example("forbidden", "only the operator may call this endpoint", Value::Null))),
        (status = 429, response = super::openapi::RateLimited),
        (status = 500, response = super::openapi::Internal),
    ),
)]
pub async fn stats(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.operator()?;
    let registry = &state.registry;
    let actors = registry.stats();
    let by_status: Map<String, Value> = Status::ALL
        .iter()
        .map(|status| (status.as_str().to_owned(), json!(actors.live_in(*status))))
        .collect();
    let timers: Map<String, Value> = TimerKind::ALL
        .iter()
        .map(|kind| {
            (
                kind.as_str().to_owned(),
                json!(actors.pending_timers(*kind)),
            )
        })
        .collect();
    // The 100 largest backlogs; ops need the endpoints that are behind, not every one.
    let backlog = state.store.webhook_backlog(100).await?;
    let journal = registry.journal().stats();
    let crossings = registry.journal().crossings();
    let thread_crossings: Map<String, Value> = Hop::ALL
        .iter()
        .map(|hop| (hop.as_str().to_owned(), json!(crossings.count(*hop))))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "actors": {
            "live": actors.live_actors(),
            "by_status": by_status,
            "activations": actors.activations.load(Ordering::Relaxed),
            "passivations": actors.passivations.load(Ordering::Relaxed),
            "restarts": actors.restarts.load(Ordering::Relaxed),
            "rehydrated": registry.is_rehydrated(),
            "max_live": registry.max_live(),
        },
        "mailbox_depth": actors.mailbox_depth.load(Ordering::Relaxed),
        "timers_pending": timers,
        "journal": {
            "queue_depth": registry.journal().queue_depth(),
            "batches": journal.batches.load(Ordering::Relaxed),
            "rows": journal.rows.load(Ordering::Relaxed),
            "failed_batches": journal.failed_batches.load(Ordering::Relaxed),
            "last_batch_rows": journal.last_batch_rows.load(Ordering::Relaxed),
            "last_commit_micros": journal.last_commit_micros.load(Ordering::Relaxed),
        },
        "thread_crossings": thread_crossings,
        "webhooks": {
            "pending": backlog.iter().map(|b| b.pending).sum::<i64>(),
            "backlog_by_endpoint": backlog
                .iter()
                .map(|b| json!({
                    "endpoint_id": b.endpoint_id,
                    "pending": b.pending,
                    "disabled": b.disabled,
                }))
                .collect::<Vec<_>>(),
        },
    })))
}

/// `GET /v1/ops/cluster`: the nodes, each one's shards with their lease epochs.
#[derive(Serialize, ToSchema)]
pub struct ClusterReport {
    /// The node that answered.
    pub this_node: String,
    /// `postgres` (a cluster of any size) or `sqlite` (one node, for good).
    pub mode: &'static str,
    /// Shards the orders are split into (fixed for the database's life).
    pub shard_count: u32,
    /// How long a node's leases last without renewal, in milliseconds.
    pub lease_ms: u64,
    /// Every node the database knows, this one included; dead ones are kept for ten minutes.
    pub nodes: Vec<ClusterNode>,
    /// Shards no live node holds right now (moving between nodes, or their owner died).
    pub unowned_shards: Vec<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct ClusterNode {
    pub id: String,
    /// Where other nodes forward requests for its orders.
    pub address: String,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    /// The database's time of its last lease renewal.
    #[schema(value_type = String, format = DateTime)]
    pub last_heartbeat: Timestamp,
    /// Its lease still runs.
    pub alive: bool,
    /// It is handing its shards over before it stops.
    pub leaving: bool,
    pub this_node: bool,
    pub shards: Vec<ClusterShard>,
}

#[derive(Serialize, ToSchema)]
pub struct ClusterShard {
    pub shard: u32,
    /// The lease generation: it grows every time the shard is taken; writes under an older
    /// one are refused.
    pub epoch: u64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub owned_since: Option<Timestamp>,
    /// The node that held it before, if any.
    pub previous_owner: Option<String>,
    /// Why it last moved.
    pub reason: Option<String>,
}

/// `GET /v1/ops/cluster`
#[utoipa::path(
    get,
    path = "/v1/ops/cluster",
    tag = "operations",
    operation_id = "get_ops_cluster",
    summary = "The cluster's nodes and who owns which shard (operator)",
    description = "Every node of the cluster (nodes started on the same PostgreSQL database), its address and last heartbeat, and the shards it owns with their lease epochs, since when and why they last moved; read from the database. On SQLite, one node owning every shard.",
    security(("bearer" = ["operator"])),
    responses(
        (status = 200, description = "The cluster.", body = ClusterReport, example = json!({
            "this_node": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f",
            "mode": "postgres",
            "shard_count": 256,
            "lease_ms": 5000,
            "nodes": [
                {"id": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f", "address": "10.0.0.5:8080",
                 "started_at": "2026-11-22T10:00:00.000Z", "last_heartbeat": "2026-11-22T10:15:30.123Z",
                 "alive": true, "leaving": false, "this_node": true,
                 "shards": [{"shard": 0, "epoch": 4, "owned_since": "2026-11-22T10:00:01.042Z",
                             "previous_owner": "01936f0e-1d2c-7b3a-9f8e-7d6c5b4a3f2e",
                             "reason": "taken over: its owner stopped renewing its lease"}]},
                {"id": "01936f0e-1d2c-7b3a-9f8e-7d6c5b4a3f2e", "address": "10.0.0.6:8080",
                 "started_at": "2026-11-22T09:00:00.000Z", "last_heartbeat": "2026-11-22T09:59:55.310Z",
                 "alive": false, "leaving": false, "this_node": false, "shards": []}
            ],
            "unowned_shards": []
        })),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, description = "`forbidden`: only the operator may call this endpoint.", body = super::openapi::ErrorBody,
            example = json!(super::openapi::error_example("forbidden", "only the operator may call this endpoint", Value::Null))),
        (status = 429, response = super::openapi::RateLimited),
        (status = 500, response = super::openapi::Internal),
    ),
)]
pub async fn cluster(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.operator()?;
    let cluster = &state.cluster;
    let shards = cluster.shards();
    let Some(store) = cluster.store() else {
        let started_at = Timestamp::from_millis(cluster.started_at_ms());
        return Ok(HttpResponse::Ok().json(ClusterReport {
            this_node: cluster.node().to_owned(),
            mode: "sqlite",
            shard_count: shards.count(),
            lease_ms: 0,
            nodes: vec![ClusterNode {
                id: cluster.node().to_owned(),
                address: cluster.address().to_owned(),
                started_at,
                last_heartbeat: Timestamp::now(),
                alive: true,
                leaving: false,
                this_node: true,
                shards: (0..shards.count())
                    .map(|shard| ClusterShard {
                        shard,
                        epoch: 0,
                        owned_since: Some(started_at),
                        previous_owner: None,
                        reason: None,
                    })
                    .collect(),
            }],
            unowned_shards: Vec::new(),
        }));
    };
    let view = store.view().await?;
    let nodes = view
        .nodes
        .iter()
        .map(|node| ClusterNode {
            id: node.id.clone(),
            address: node.address.clone(),
            started_at: Timestamp::from_millis(node.started_at),
            last_heartbeat: Timestamp::from_millis(node.heartbeat_at),
            alive: node.is_alive(view.now_ms),
            leaving: node.leaving,
            this_node: node.id == cluster.node(),
            shards: view
                .shards
                .iter()
                .filter(|row| row.owner.as_deref() == Some(node.id.as_str()))
                .map(|row| ClusterShard {
                    shard: row.shard.get(),
                    epoch: row.epoch,
                    owned_since: row.owned_since.map(Timestamp::from_millis),
                    previous_owner: row.previous_owner.clone(),
                    reason: row.move_reason.clone(),
                })
                .collect(),
        })
        .collect();
    let unowned_shards = view
        .shards
        .iter()
        .filter(|row| {
            row.owner
                .as_deref()
                .is_none_or(|owner| !view.is_alive(owner))
        })
        .map(|row| row.shard.get())
        .collect();
    Ok(HttpResponse::Ok().json(ClusterReport {
        this_node: cluster.node().to_owned(),
        mode: "postgres",
        shard_count: shards.count(),
        lease_ms: cluster.lease().as_millis() as u64,
        nodes,
        unowned_shards,
    }))
}
