//! The actors when the database fails: a commit whose outcome is unknown, a breaker that
//! opens with a batch in flight, a database that cannot be read.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{eventually, new_order, MemoryStore};
use rampflow_actors::breaker::Breaker;
use rampflow_actors::journal::{CommitError, Journal, JournalSettings};
use rampflow_actors::model::{Address, PartnerId, WalletId};
use rampflow_actors::order::{Accept, Command, DepositInstructions, Party, ReplyError, Status};
use rampflow_actors::registry::{Registry, RegistrySettings};
use rampflow_actors::shard::{Shards, DEFAULT_SHARD_COUNT};
use rampflow_actors::store::StoreErrorKind;
use rampflow_actors::webhook::Nudge;
use rampflow_actors::write_for;

fn start(store: Arc<MemoryStore>, breaker: Arc<Breaker>) -> Registry {
    let journal = Journal::start_guarded(
        store.clone(),
        JournalSettings::default(),
        Nudge::default(),
        breaker,
    );
    Registry::start(
        store,
        journal,
        RegistrySettings {
            arbiters: 1,
            ..RegistrySettings::default()
        },
        Arc::new(Shards::single_node("test", DEFAULT_SHARD_COUNT)),
    )
}

fn accept() -> Command {
    Command::Accept(Accept {
        external_id: None,
        rate: None,
        fees: None,
        deposit: DepositInstructions::Crypto {
            address: Address::parse("Deposit1").unwrap(),
            tag: None,
        },
        deposit_window: Duration::from_secs(600),
        remind_before: None,
    })
}

#[actix_rt::test]
async fn an_unknown_commit_is_answered_so_and_the_actor_reads_the_store_until_it_commits() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Arc::default());
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let created = registry
        .create(new_order(wallet, partner), Duration::from_secs(600), None)
        .await
        .unwrap();
    let id = created.state.order.id;

    // The database commits the accept, but the answer is lost.
    *store.next_commit_fails.lock().unwrap() = Some(StoreErrorKind::CommitUnknown);
    let answer = registry
        .execute(id, Party::Partner(partner), accept())
        .await;
    assert!(
        matches!(answer, Err(ReplyError::CommitUnknown)),
        "{answer:?}"
    );
    assert_eq!(store.orders.lock().unwrap()[&id].order.version, 2);

    // The actor did not keep its old state: the read comes from the store.
    let read = registry.snapshot(id, Party::Wallet(wallet)).await.unwrap();
    assert_eq!(read.state.order.version, 2);
    assert_eq!(read.state.order.status, Status::Accepted);

    // Still unsure (none of its own commits has landed since): while the store cannot be
    // read, reads are refused rather than answered from memory.
    store.unreachable.store(true, Ordering::SeqCst);
    let refused = registry.snapshot(id, Party::Wallet(wallet)).await;
    assert!(
        matches!(refused, Err(ReplyError::DatabaseUnavailable)),
        "{refused:?}"
    );
    store.unreachable.store(false, Ordering::SeqCst);

    // Retrying the command is harmless: the order is already accepted.
    let retried = registry
        .execute(id, Party::Partner(partner), accept())
        .await
        .unwrap();
    assert_eq!(retried.state.order.version, 2);
    assert_eq!(
        store.events.lock().unwrap().len(),
        2,
        "nothing written twice"
    );
}

#[actix_rt::test]
async fn a_failed_commit_that_changed_nothing_is_answered_unavailable_and_keeps_the_order() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Arc::default());
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let id = registry
        .create(new_order(wallet, partner), Duration::from_secs(600), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    *store.next_commit_fails.lock().unwrap() = Some(StoreErrorKind::Unavailable);
    let answer = registry
        .execute(id, Party::Partner(partner), accept())
        .await;
    assert!(
        matches!(answer, Err(ReplyError::DatabaseUnavailable)),
        "{answer:?}"
    );
    let read = registry.snapshot(id, Party::Wallet(wallet)).await.unwrap();
    assert_eq!(read.state.order.status, Status::Created);
    let accepted = registry
        .execute(id, Party::Partner(partner), accept())
        .await
        .unwrap();
    assert_eq!(accepted.state.order.version, 2);
}

#[actix_rt::test]
async fn a_create_whose_commit_is_unknown_gets_its_actor_once_the_store_shows_it() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Arc::default());
    *store.next_commit_fails.lock().unwrap() = Some(StoreErrorKind::CommitUnknown);
    let order = new_order(WalletId::new(), PartnerId::new());
    let id = order.id;
    let answer = registry.create(order, Duration::from_secs(600), None).await;
    assert!(
        matches!(answer, Err(ReplyError::CommitUnknown)),
        "{answer:?}"
    );
    // It did commit: its actor (and so its acceptance timer) starts without anyone asking.
    eventually("the committed order's actor starts", || {
        registry.active_actors() == 1 && registry.stats().timers_armed.load(Ordering::SeqCst) == 1
    })
    .await;
    assert!(store.orders.lock().unwrap().contains_key(&id));
}

#[actix_rt::test]
async fn the_journal_refuses_while_the_breaker_is_open_and_gives_up_a_batch_it_overtakes() {
    let store = Arc::new(MemoryStore::default());
    let breaker = Arc::new(Breaker::default());
    let journal = Journal::start_guarded(
        store.clone(),
        JournalSettings::default(),
        Nudge::default(),
        breaker.clone(),
    );
    let write = || {
        let order = new_order(WalletId::new(), PartnerId::new());
        let change = rampflow_actors::order::open(
            order,
            rampflow_actors::model::Timestamp::now(),
            Duration::from_secs(600),
        );
        write_for(change, 0, None)
    };

    breaker.open();
    let refused = journal.commit(write()).await;
    assert!(
        matches!(refused, Err(CommitError::Unavailable(_))),
        "{refused:?}"
    );
    assert!(store.orders.lock().unwrap().is_empty());

    breaker.close();
    store.slow_commits.store(true, Ordering::SeqCst);
    let ticket = journal.submit(write()).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    breaker.open();
    let overtaken = ticket.await.unwrap();
    assert!(
        matches!(overtaken, Err(CommitError::Unknown(_))),
        "{overtaken:?}"
    );

    breaker.close();
    store.slow_commits.store(false, Ordering::SeqCst);
    journal.commit(write()).await.unwrap();
}
