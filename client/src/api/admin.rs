//! Operator: wallets and partners, their keys, and the ops reports.

use std::collections::BTreeMap;

use futures::Stream;
use rampflow_actors::model::{PartnerId, Timestamp, WalletId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Call, IdempotencyKey, Page, PageRequest};
use crate::{Client, Error};

/// A wallet or a partner as the operator lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party<Id> {
    pub id: Id,
    pub name: String,
    pub created_at: Timestamp,
}

/// A wallet or a partner with its API key, answered once at creation and at each rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyWithKey<Id> {
    pub id: Id,
    pub name: String,
    pub api_key: String,
    pub created_at: Timestamp,
}

#[derive(Serialize)]
struct CreateParty<'a> {
    name: &'a str,
}

/// `GET /v1/ops/stats`: live actors by status, mailbox depth, pending timers, the journal and
/// the webhook queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsStats {
    pub actors: ActorStats,
    pub mailbox_depth: u64,
    pub timers_pending: BTreeMap<String, u64>,
    pub journal: Value,
    pub webhooks: WebhookBacklog,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorStats {
    pub live: u64,
    pub by_status: BTreeMap<String, u64>,
    pub activations: u64,
    pub passivations: u64,
    pub restarts: u64,
    pub rehydrated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookBacklog {
    pub pending: u64,
    pub backlog_by_endpoint: Vec<EndpointBacklog>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointBacklog {
    pub endpoint_id: String,
    pub pending: u64,
    pub disabled: bool,
}

/// `GET /v1/ops/cluster`: the nodes and the shards each owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterReport {
    pub this_node: String,
    pub mode: String,
    pub shard_count: u32,
    pub lease_ms: u64,
    pub nodes: Vec<ClusterNode>,
    pub unowned_shards: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterNode {
    pub id: String,
    pub address: String,
    pub started_at: String,
    pub last_heartbeat: String,
    pub alive: bool,
    pub leaving: bool,
    pub this_node: bool,
    pub shards: Vec<ClusterShard>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterShard {
    pub shard: u32,
    pub epoch: u64,
    #[serde(default)]
    pub owned_since: Option<String>,
    #[serde(default)]
    pub previous_owner: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Operator endpoints (the admin token's client).
impl Client {
    /// `POST /v1/admin/wallets` (operator): a new wallet and its key, shown once.
    pub async fn create_wallet(&self, name: &str) -> Result<PartyWithKey<WalletId>, Error> {
        self.create_wallet_with_key(name, None).await
    }

    /// [`Client::create_wallet`] with an `Idempotency-Key` of your own.
    pub async fn create_wallet_with_key(
        &self,
        name: &str,
        key: Option<IdempotencyKey>,
    ) -> Result<PartyWithKey<WalletId>, Error> {
        let call = Call::create(&["v1", "admin", "wallets"], &CreateParty { name }, key);
        self.json(call).await
    }

    /// `POST /v1/admin/partners` (operator): a new partner and its key, shown once.
    pub async fn create_partner(&self, name: &str) -> Result<PartyWithKey<PartnerId>, Error> {
        self.create_partner_with_key(name, None).await
    }

    /// [`Client::create_partner`] with an `Idempotency-Key` of your own.
    pub async fn create_partner_with_key(
        &self,
        name: &str,
        key: Option<IdempotencyKey>,
    ) -> Result<PartyWithKey<PartnerId>, Error> {
        let call = Call::create(&["v1", "admin", "partners"], &CreateParty { name }, key);
        self.json(call).await
    }

    /// `GET /v1/admin/wallets` (operator), one page.
    pub async fn list_wallets(&self, page: &PageRequest) -> Result<Page<Party<WalletId>>, Error> {
        self.json(Call::get(&["v1", "admin", "wallets"]).page(page))
            .await
    }

    /// Every wallet (operator), following cursors.
    pub fn wallets(&self) -> impl Stream<Item = Result<Party<WalletId>, Error>> + Send {
        self.paginate(Call::get(&["v1", "admin", "wallets"]))
    }

    /// `GET /v1/admin/partners` (operator), one page.
    pub async fn list_partners(&self, page: &PageRequest) -> Result<Page<Party<PartnerId>>, Error> {
        self.json(Call::get(&["v1", "admin", "partners"]).page(page))
            .await
    }

    /// Every partner (operator), following cursors.
    pub fn partners(&self) -> impl Stream<Item = Result<Party<PartnerId>, Error>> + Send {
        self.paginate(Call::get(&["v1", "admin", "partners"]))
    }

    /// `POST /v1/admin/wallets/{id}/rotate-key` (operator): the wallet's new key; the old one
    /// stops working. Not retried after a failure in flight (a second rotation would answer
    /// yet another key).
    pub async fn rotate_wallet_key(&self, id: &WalletId) -> Result<PartyWithKey<WalletId>, Error> {
        let id = id.to_string();
        self.json(Call::action(&["v1", "admin", "wallets", &id, "rotate-key"]))
            .await
    }

    /// `POST /v1/admin/partners/{id}/rotate-key` (operator).
    pub async fn rotate_partner_key(
        &self,
        id: &PartnerId,
    ) -> Result<PartyWithKey<PartnerId>, Error> {
        let id = id.to_string();
        self.json(Call::action(&[
            "v1",
            "admin",
            "partners",
            &id,
            "rotate-key",
        ]))
        .await
    }

    /// `GET /v1/ops/stats` (operator).
    pub async fn ops_stats(&self) -> Result<OpsStats, Error> {
        self.json(Call::get(&["v1", "ops", "stats"])).await
    }

    /// `GET /v1/ops/cluster` (operator).
    pub async fn ops_cluster(&self) -> Result<ClusterReport, Error> {
        self.json(Call::get(&["v1", "ops", "cluster"])).await
    }

    /// `GET /readyz` (no key needed): `Ok(())` when the server is ready, the 503's error
    /// (`details` name the component that is down) otherwise. Not retried.
    pub async fn ready(&self) -> Result<(), Error> {
        self.send(Call::get(&["readyz"]).once()).await.map(drop)
    }
}
