//! The actors against an in-memory store: compare-and-set conflicts, timers, passivation and
//! rehydration, without HTTP or SQL in the way.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{new_order, MemoryStore};
use rampflow_actors::journal::{Journal, JournalSettings};
use rampflow_actors::model::{Address, PartnerId, WalletId};
use rampflow_actors::order::{
    Accept, Command, DepositInstructions, Party, Rejection, ReplyError, Status, TimerKind,
};
use rampflow_actors::registry::{Registry, RegistrySettings};
use rampflow_actors::store::OrderStore;
use rampflow_actors::webhook::Nudge;

fn start(store: Arc<MemoryStore>, passivate_after: Duration) -> Registry {
    let journal = Journal::start(store.clone(), JournalSettings::default(), Nudge::default());
    Registry::start(
        store,
        journal,
        RegistrySettings {
            arbiters: 2,
            passivate_after,
            ..RegistrySettings::default()
        },
    )
}

fn accept(window: Duration) -> Command {
    Command::Accept(Accept {
        external_id: None,
        rate: None,
        fees: None,
        deposit: DepositInstructions::Crypto {
            address: Address::parse("Deposit1").unwrap(),
            tag: None,
        },
        deposit_window: window,
        remind_before: None,
    })
}

/// Polls `check` until it holds, failing after a generous deadline.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[actix_rt::test]
async fn a_second_writer_is_never_overwritten_the_actor_reloads_and_decides_again() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Duration::from_secs(60));
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let created = registry
        .create(new_order(wallet, partner), Duration::from_secs(600), None)
        .await
        .unwrap();
    let id = created.state.order.id;

    store.bump_behind_the_actor(id);
    let accepted = registry
        .execute(id, Party::Partner(partner), accept(Duration::from_secs(60)))
        .await
        .unwrap();
    // Decided again on the stored version 2, so the accept lands as version 3.
    assert_eq!(accepted.state.order.version, 3);
    assert_eq!(store.load(id).await.unwrap().unwrap().order.version, 3);
    registry.stop();
}

#[actix_rt::test]
async fn another_party_sees_nothing_and_the_wrong_role_is_refused() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Duration::from_secs(60));
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let id = registry
        .create(new_order(wallet, partner), Duration::from_secs(600), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    let stranger = Party::Partner(PartnerId::new());
    let outcome = registry
        .execute(id, stranger, accept(Duration::from_secs(60)))
        .await;
    assert!(matches!(outcome, Err(ReplyError::NotFound)));
    let outcome = registry
        .execute(id, Party::Wallet(wallet), accept(Duration::from_secs(60)))
        .await;
    assert!(matches!(outcome, Err(ReplyError::Forbidden)));
    assert_eq!(store.load(id).await.unwrap().unwrap().order.version, 1);
    registry.stop();
}

#[actix_rt::test]
async fn timers_fire_through_the_actor_and_are_committed_once() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Duration::from_secs(60));
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let id = registry
        .create(new_order(wallet, partner), Duration::from_millis(50), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    eventually("the acceptance timeout", || {
        store.orders.lock().unwrap()[&id].order.status == Status::Expired
    })
    .await;
    let state = store.load(id).await.unwrap().unwrap();
    assert_eq!(state.order.version, 2);
    assert_eq!(
        state.order.failure.unwrap().code.as_str(),
        "partner_timeout"
    );
    let expired_events = store
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|(order, _, kind)| *order == id && *kind == "order.expired")
        .count();
    assert_eq!(expired_events, 1);
    let late = registry
        .execute(id, Party::Partner(partner), accept(Duration::from_secs(60)))
        .await;
    assert!(matches!(
        late,
        Err(ReplyError::Rejected(Rejection::InvalidTransition {
            status: Status::Expired,
            ..
        }))
    ));
    registry.stop();
}

#[actix_rt::test]
async fn settled_orders_passivate_and_come_back_on_demand() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Duration::from_millis(50));
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let id = registry
        .create(new_order(wallet, partner), Duration::from_secs(600), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    registry
        .execute(id, Party::Wallet(wallet), Command::Cancel)
        .await
        .unwrap();
    eventually("the cancelled order's actor leaves memory", || {
        registry.stats().passivations.load(Ordering::Relaxed) == 1 && registry.active_actors() == 0
    })
    .await;
    // A command after passivation activates it again from the store: a safe retry is still
    // recognised, a different command is refused by the stored status.
    let again = registry
        .execute(id, Party::Wallet(wallet), Command::Cancel)
        .await
        .unwrap();
    assert_eq!(again.state.order.version, 2);
    let refused = registry
        .execute(id, Party::Partner(partner), accept(Duration::from_secs(60)))
        .await;
    assert!(matches!(refused, Err(ReplyError::Rejected(_))));
    assert_eq!(registry.stats().activations.load(Ordering::Relaxed), 2);
    registry.stop();
}

#[actix_rt::test]
async fn rehydration_brings_back_live_orders_with_their_timers() {
    let store = Arc::new(MemoryStore::default());
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    // Orders committed by an earlier process: one due soon, one far away, one finished.
    let first = start(store.clone(), Duration::from_secs(60));
    let soon = first
        .create(new_order(wallet, partner), Duration::from_millis(300), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    let later = first
        .create(new_order(wallet, partner), Duration::from_secs(3600), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    let done = first
        .create(new_order(wallet, partner), Duration::from_secs(3600), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    first
        .execute(done, Party::Wallet(wallet), Command::Cancel)
        .await
        .unwrap();
    first.stop(); // the "crash": actors gone, store kept

    let second = start(store.clone(), Duration::from_secs(60));
    eventually("rehydration", || second.is_rehydrated()).await;
    assert_eq!(
        second.active_actors(),
        2,
        "the two live orders, not the cancelled one"
    );
    eventually("the re-armed acceptance timeout", || {
        store.orders.lock().unwrap()[&soon].order.status == Status::Expired
    })
    .await;
    assert_eq!(
        store.orders.lock().unwrap()[&later].order.status,
        Status::Created
    );
    assert!(
        second
            .stats()
            .pending_timers(rampflow_actors::order::TimerKind::Acceptance)
            >= 1
    );
    second.stop();
}

#[actix_rt::test]
async fn a_lateness_observer_sees_each_timer_as_it_fires() {
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    // The only observer of this test binary (other tests' timers may reach it too).
    assert!(rampflow_actors::instruments::observe_timer_lateness(
        move |kind, late| {
            if kind == TimerKind::Acceptance && late < Duration::from_secs(60) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }
    ));
    assert!(
        !rampflow_actors::instruments::observe_timer_lateness(|_, _| {}),
        "one observer per process"
    );
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Duration::from_secs(60));
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    registry
        .create(new_order(wallet, partner), Duration::from_millis(50), None)
        .await
        .unwrap();
    eventually("the observer sees the acceptance timer", || {
        seen.load(Ordering::SeqCst) >= 1
    })
    .await;
    registry.stop();
}
