//! Fencing, at the store: a journal transaction commits only while its node holds the shard's
//! lease at the epoch it writes under, by the database's own rows and clock, whatever the
//! node itself believes. Two nodes' stores on one database, driven directly, so the moment
//! the lease changes hands is exact.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rampflow::cluster::store::ClusterStore;
use rampflow::config::Settings;
use rampflow::store::Store;
use rampflow_actors::model::{
    Address, AssetCode, FiatCurrency, Network, OrderId, PartnerId, PaymentMethod, Timestamp,
    UserRef, WalletId,
};
use rampflow_actors::order::{
    amount, decide, open, Accept, Command, Crypto, DepositInstructions, Direction, Fiat, NewOrder,
    Outcome,
};
use rampflow_actors::shard::{shard_of, ShardId, ShardState, Shards};
use rampflow_actors::store::{OrderStore, OrderWrite, WriteOutcome};
use rampflow_actors::write_for;

use crate::helpers::{create_postgres_database, drop_postgres_database, postgres_server};

const SHARDS: u32 = 256;

fn new_order_in(shard: ShardId) -> NewOrder {
    let id = std::iter::repeat_with(OrderId::new)
        .find(|id| shard_of(*id, SHARDS) == shard)
        .unwrap();
    NewOrder {
        id,
        direction: Direction::Offramp,
        wallet_id: WalletId::new(),
        partner_id: PartnerId::new(),
        user_ref: UserRef::parse("u-1").unwrap(),
        external_ref: None,
        crypto: Crypto {
            asset: AssetCode::parse("USDC").unwrap(),
            network: Network::parse("solana").unwrap(),
            amount: amount("10"),
        },
        fiat: Fiat {
            currency: FiatCurrency::parse("NGN").unwrap(),
            amount: amount("15000"),
        },
        rate: None,
        fees: Vec::new(),
        user_wallet_address: Address::parse("UserAddr").unwrap(),
        payment_method: PaymentMethod::parse("bank_transfer").unwrap(),
    }
}

fn accept(write: &OrderWrite) -> OrderWrite {
    let command = Command::Accept(Accept {
        external_id: None,
        rate: None,
        fees: None,
        deposit: DepositInstructions::Crypto {
            address: Address::parse("Deposit1").unwrap(),
            tag: None,
        },
        deposit_window: Duration::from_secs(600),
        remind_before: None,
    });
    match decide(&write.state, &command, Timestamp::now()).unwrap() {
        Outcome::Changed(change) => write_for(change, write.state.order.version, None),
        Outcome::Unchanged => panic!("accept changes a created order"),
    }
}

/// A node's store, seeing itself as owning `shard` at `epoch` with a lease it believes holds.
async fn node_store(
    url: &str,
    dir: &std::path::Path,
    node: &str,
    shard: ShardId,
    epoch: u64,
) -> Store {
    let mut settings = Settings::defaults();
    settings.database_url = url.to_owned();
    settings.data_dir = dir.to_path_buf();
    let store = Store::connect(&settings).await.unwrap();
    let shards = Shards::clustered(node, SHARDS);
    shards.set(shard, ShardState::Owned(epoch));
    shards.extend_lease(Instant::now(), Duration::from_secs(600));
    store.attach_shards(Arc::new(shards));
    store
}

#[tokio::test]
async fn a_node_whose_lease_ran_out_commits_nothing_even_if_it_believes_otherwise() {
    let name = create_postgres_database().await;
    let url = format!("{}/{name}", postgres_server());
    let dir = tempfile::tempdir().unwrap();
    {
        let mut settings = Settings::defaults();
        settings.database_url = url.clone();
        settings.data_dir = dir.path().to_path_buf();
        Store::connect(&settings)
            .await
            .unwrap()
            .migrate()
            .await
            .unwrap();
    }
    let cluster = ClusterStore::connect(&url, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(cluster.shard_count(SHARDS).await.unwrap(), SHARDS);
    let shard = ShardId::new(7);
    // Node A's lease is short, B's long.
    cluster
        .register("node-a", "127.0.0.1:1", Duration::from_millis(600))
        .await
        .unwrap();
    cluster
        .register("node-b", "127.0.0.1:2", Duration::from_secs(60))
        .await
        .unwrap();
    let taken = cluster.take("node-a", &[shard]).await.unwrap();
    assert_eq!(taken.len(), 1);
    let epoch_a = taken[0].epoch;
    // B cannot take it while A's lease runs.
    assert!(cluster.take("node-b", &[shard]).await.unwrap().is_empty());

    let a = node_store(&url, dir.path(), "node-a", shard, epoch_a).await;
    let created = write_for(
        open(
            new_order_in(shard),
            Timestamp::now(),
            Duration::from_secs(600),
        ),
        0,
        None,
    );
    assert_eq!(
        a.commit(std::slice::from_ref(&created)).await.unwrap(),
        vec![WriteOutcome::Committed]
    );

    // A stops renewing; once its lease has run out by the database's clock, B takes the shard.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let taken = cluster.take("node-b", &[shard]).await.unwrap();
    assert_eq!(
        taken.len(),
        1,
        "B takes the shard of a node whose lease ran out"
    );
    assert_eq!(taken[0].epoch, epoch_a + 1, "a new epoch");
    assert_eq!(taken[0].from_dead.as_deref(), Some("node-a"));

    // A still believes it owns the shard: the database refuses its write all the same.
    let accepted = accept(&created);
    assert_eq!(
        a.commit(std::slice::from_ref(&accepted)).await.unwrap(),
        vec![WriteOutcome::Fenced]
    );
    // Under its new epoch B's same write lands.
    let b = node_store(&url, dir.path(), "node-b", shard, taken[0].epoch).await;
    assert_eq!(
        b.commit(&[accepted]).await.unwrap(),
        vec![WriteOutcome::Committed]
    );
    // And a write of a shard a node does not hold is refused before the database is asked.
    let elsewhere = write_for(
        open(
            new_order_in(ShardId::new(8)),
            Timestamp::now(),
            Duration::from_secs(600),
        ),
        0,
        None,
    );
    assert_eq!(
        b.commit(&[elsewhere]).await.unwrap(),
        vec![WriteOutcome::Fenced]
    );

    a.close().await;
    b.close().await;
    cluster.close().await;
    drop_postgres_database(name);
}
