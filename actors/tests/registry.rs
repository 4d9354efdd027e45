//! The actors against an in-memory store: compare-and-set conflicts, timers, passivation and
//! rehydration, without HTTP or SQL in the way.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{eventually, new_order, MemoryStore};
use rampflow_actors::crossings::Hop;
use rampflow_actors::journal::{Journal, JournalSettings};
use rampflow_actors::model::{Address, OrderId, PartnerId, WalletId};
use rampflow_actors::order::{
    Accept, Command, DepositInstructions, Party, Rejection, ReplyError, Status, TimerKind,
};
use rampflow_actors::registry::{Registry, RegistrySettings};
use rampflow_actors::shard::{Shards, DEFAULT_SHARD_COUNT};
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
        Arc::new(Shards::single_node("test", DEFAULT_SHARD_COUNT)),
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

fn accept_with_reminder(window: Duration, remind_before: Duration) -> Command {
    match accept(window) {
        Command::Accept(accept) => Command::Accept(Accept {
            remind_before: Some(remind_before),
            ..accept
        }),
        _ => unreachable!(),
    }
}

/// Orders committed by an earlier process that then stopped: the store is all that is left.
async fn committed_then_stopped(
    store: &Arc<MemoryStore>,
    orders: usize,
    accept_with: Option<Command>,
) -> (WalletId, PartnerId, Vec<OrderId>) {
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let first = start(store.clone(), Duration::from_secs(60));
    let mut ids = Vec::new();
    for _ in 0..orders {
        let id = first
            .create(new_order(wallet, partner), Duration::from_secs(3600), None)
            .await
            .unwrap()
            .state
            .order
            .id;
        if let Some(accept) = &accept_with {
            first
                .execute(id, Party::Partner(partner), accept.clone())
                .await
                .unwrap();
        }
        ids.push(id);
    }
    first.stop();
    (wallet, partner, ids)
}

async fn rehydrated(registry: &Registry, actors: i64) {
    eventually("rehydration", || {
        registry.is_rehydrated() && registry.stats().live_actors() == actors
    })
    .await;
}

#[actix_rt::test]
async fn a_rehydrated_order_is_loaded_whole_on_first_use_and_answers_as_before() {
    let store = Arc::new(MemoryStore::default());
    let hour = Duration::from_secs(3600);
    let (wallet, partner, ids) =
        committed_then_stopped(&store, 2, Some(accept_with_reminder(hour, hour / 2))).await;
    let committed = store.load(ids[0]).await.unwrap().unwrap();
    let loads = store.loads.load(Ordering::SeqCst);

    let second = start(store.clone(), Duration::from_secs(60));
    rehydrated(&second, 2).await;
    assert_eq!(
        store.loads.load(Ordering::SeqCst),
        loads,
        "rehydration loads no whole order"
    );

    // Reads: another party still sees nothing; the order's parties see all of it, and the
    // order is loaded once, by its first use.
    let stranger = second
        .snapshot(ids[0], Party::Wallet(WalletId::new()))
        .await;
    assert!(matches!(stranger, Err(ReplyError::NotFound)));
    let read = second
        .snapshot(ids[0], Party::Wallet(wallet))
        .await
        .unwrap();
    assert_eq!(*read.state, committed);
    assert_eq!(
        &*read.document,
        serde_json::to_string(&committed.order).unwrap()
    );
    let again = second
        .snapshot(ids[0], Party::Partner(partner))
        .await
        .unwrap();
    assert_eq!(again.document, read.document);
    assert_eq!(store.loads.load(Ordering::SeqCst), loads + 1);

    // A command as the first use is decided on the stored order, even one another writer
    // changed after rehydration, and commits with compare-and-set on its version.
    store.bump_behind_the_actor(ids[1]);
    let refused = second
        .execute(ids[1], Party::Partner(partner), Command::Cancel)
        .await;
    assert!(matches!(refused, Err(ReplyError::Forbidden)));
    let sent = second
        .execute(
            ids[1],
            Party::Wallet(wallet),
            Command::FundsSent { reference: None },
        )
        .await
        .unwrap();
    assert_eq!(sent.state.order.status, Status::FundsSent);
    assert_eq!(
        sent.state.order.version, 4,
        "accepted v2, bumped v3, sent v4"
    );
    let stored = store.orders.lock().unwrap()[&ids[1]].clone();
    assert_eq!(stored.order.version, 4);
    assert_eq!(
        stored.timers.reminder, None,
        "funds_sent keeps only the expiry"
    );
    assert!(stored.timers.expiry.is_some());
    assert_eq!(second.stats().pending_timers(TimerKind::Reminder), 1);
    assert_eq!(second.stats().pending_timers(TimerKind::Expiry), 2);
    second.stop();
}

#[actix_rt::test]
async fn each_actor_arms_one_timer_its_earliest_deadline() {
    let store = Arc::new(MemoryStore::default());
    let hour = Duration::from_secs(3600);
    committed_then_stopped(&store, 3, Some(accept_with_reminder(2 * hour, hour))).await;

    let second = start(store.clone(), Duration::from_secs(60));
    rehydrated(&second, 3).await;
    let stats = second.stats();
    // Two deadlines each wait (ops sees both), one timer each is armed.
    assert_eq!(stats.pending_timers(TimerKind::Reminder), 3);
    assert_eq!(stats.pending_timers(TimerKind::Expiry), 3);
    assert_eq!(stats.timers_armed.load(Ordering::SeqCst), 3);
    second.stop();
}

#[actix_rt::test]
async fn the_armed_timer_fires_the_earliest_deadline_then_the_next() {
    let store = Arc::new(MemoryStore::default());
    // Reminder half a second after the accept, expiry a second later.
    let accept = accept_with_reminder(Duration::from_millis(1500), Duration::from_millis(1000));
    let (_, _, ids) = committed_then_stopped(&store, 1, Some(accept)).await;
    let id = ids[0];

    let second = start(store.clone(), Duration::from_secs(60));
    eventually("the deposit expiry", || {
        store.orders.lock().unwrap()[&id].order.status == Status::Expired
    })
    .await;
    let state = store.load(id).await.unwrap().unwrap();
    assert_eq!(state.order.version, 4);
    assert_eq!(
        state.order.failure.unwrap().code.as_str(),
        "deposit_expired"
    );
    let events: Vec<(u64, &str)> = store
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|(order, _, _)| *order == id)
        .map(|(_, version, kind)| (*version, *kind))
        .collect();
    assert_eq!(
        events,
        [
            (1, "order.created"),
            (2, "order.accepted"),
            (3, "order.deposit_reminder"),
            (4, "order.expired"),
        ]
    );
    eventually("nothing armed once expired", || {
        second.stats().timers_armed.load(Ordering::SeqCst) == 0
            && second.stats().pending_timers(TimerKind::Expiry) == 0
    })
    .await;
    second.stop();
}

#[actix_rt::test]
async fn first_uses_load_a_few_orders_at_a_time() {
    let store = Arc::new(MemoryStore::default());
    let (wallet, _, ids) = committed_then_stopped(&store, 12, None).await;
    store.slow_loads.store(true, Ordering::SeqCst);

    let journal = Journal::start(store.clone(), JournalSettings::default(), Nudge::default());
    let second = Registry::start(
        store.clone(),
        journal,
        RegistrySettings {
            arbiters: 2,
            concurrent_loads: 2,
            ..RegistrySettings::default()
        },
        Arc::new(Shards::single_node("test", DEFAULT_SHARD_COUNT)),
    );
    rehydrated(&second, 12).await;
    let reads = ids
        .iter()
        .map(|id| second.snapshot(*id, Party::Wallet(wallet)));
    for read in futures::future::join_all(reads).await {
        assert_eq!(read.unwrap().state.order.status, Status::Created);
    }
    assert_eq!(store.loads.load(Ordering::SeqCst), 12);
    assert!(store.max_loads_in_flight.load(Ordering::SeqCst) <= 2);
    second.stop();
}

/// The thread crossings counted so far, by hop.
fn crossings(registry: &Registry) -> Vec<(&'static str, u64)> {
    let counted = registry.journal().crossings();
    Hop::ALL
        .iter()
        .map(|hop| (hop.as_str(), counted.count(*hop)))
        .collect()
}

/// The counts a request's crossings grow by: there and back for the journal and the order
/// actor, one way for actor starts and the webhooks.
fn both_ways(journal: u64, actor: u64, starts: u64, webhooks: u64) -> Vec<(&'static str, u64)> {
    vec![
        ("to_journal", journal),
        ("from_journal", journal),
        ("to_order_actor", actor),
        ("from_order_actor", actor),
        ("start_actor", starts),
        ("to_webhooks", webhooks),
    ]
}

/// What each count grew by between two readings.
fn grown(
    before: &[(&'static str, u64)],
    after: &[(&'static str, u64)],
) -> Vec<(&'static str, u64)> {
    before
        .iter()
        .zip(after)
        .map(|((hop, was), (_, is))| (*hop, is - was))
        .collect()
}

#[actix_rt::test]
async fn a_create_crosses_to_the_journal_and_back_and_an_activated_order_to_its_arbiter() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Duration::from_millis(50));
    let (wallet, partner) = (WalletId::new(), PartnerId::new());

    let before = crossings(&registry);
    let id = registry
        .create(new_order(wallet, partner), Duration::from_secs(600), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    let created = crossings(&registry);
    // The actor starts on the thread that asked for the create (here the test's own), so no
    // other thread is woken for it; the batch's news goes to the webhook dispatcher once.
    assert_eq!(grown(&before, &created), both_ways(1, 0, 0, 1));
    assert_eq!(
        registry.active_actors(),
        1,
        "started before the create answered"
    );

    // A command from the actor's own thread crosses only to the journal and back.
    registry
        .execute(id, Party::Wallet(wallet), Command::Cancel)
        .await
        .unwrap();
    let cancelled = crossings(&registry);
    assert_eq!(grown(&created, &cancelled), both_ways(1, 0, 0, 1));

    // Settled, it leaves memory; the next command activates it on an order arbiter, another
    // thread: it crosses there and back (a safe retry: nothing is written).
    eventually("the cancelled order's actor leaves memory", || {
        registry.active_actors() == 0
    })
    .await;
    registry
        .execute(id, Party::Wallet(wallet), Command::Cancel)
        .await
        .unwrap();
    assert_eq!(
        grown(&cancelled, &crossings(&registry)),
        both_ways(0, 1, 1, 0)
    );
    registry.stop();
}

#[actix_rt::test]
async fn a_create_whose_caller_goes_away_still_starts_its_actor_once_committed() {
    let store = Arc::new(MemoryStore::default());
    store.slow_commits.store(true, Ordering::SeqCst);
    let registry = start(store.clone(), Duration::from_secs(60));
    let (wallet, partner) = (WalletId::new(), PartnerId::new());

    // The caller (a client that hung up) drops the create while its commit takes 300 ms.
    let gone = tokio::time::timeout(
        Duration::from_millis(20),
        registry.create(new_order(wallet, partner), Duration::from_secs(600), None),
    )
    .await;
    assert!(gone.is_err(), "the create was still committing");
    assert_eq!(registry.active_actors(), 0);

    eventually(
        "the committed order's actor starts without its caller",
        || registry.active_actors() == 1,
    )
    .await;
    assert_eq!(store.orders.lock().unwrap().len(), 1);
    assert_eq!(registry.stats().pending_timers(TimerKind::Acceptance), 1);
    registry.stop();
}

#[actix_rt::test]
async fn stopping_answers_queued_commands_then_passivates_every_actor_and_refuses_new_work() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(store.clone(), Duration::from_secs(60));
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let mut ids = Vec::new();
    for _ in 0..3 {
        let created = registry
            .create(new_order(wallet, partner), Duration::from_secs(600), None)
            .await
            .unwrap();
        ids.push(created.state.order.id);
    }
    assert_eq!(registry.active_actors(), 3);

    // A command in an actor's hands when the stop begins: its commit takes 300 ms.
    store.slow_commits.store(true, Ordering::SeqCst);
    let accepting = {
        let registry = registry.clone();
        let id = ids[0];
        actix_rt::spawn(async move {
            registry
                .execute(id, Party::Partner(partner), accept(Duration::from_secs(60)))
                .await
        })
    };
    eventually("the accept is committing", || {
        store.commits_in_flight.load(Ordering::SeqCst) == 1
    })
    .await;

    let passivated = registry.stop_taking_work(Duration::from_secs(10)).await;
    assert_eq!(passivated, 3);
    // The command was answered with its commit, before the actors left.
    let accepted = accepting.await.unwrap().expect("the queued accept commits");
    assert_eq!(accepted.state.order.version, 2);
    assert_eq!(registry.active_actors(), 0);
    assert_eq!(registry.stats().live_actors(), 0);
    for kind in TimerKind::ALL {
        assert_eq!(registry.stats().pending_timers(kind), 0, "{kind:?}");
    }

    store.slow_commits.store(false, Ordering::SeqCst);
    let refused = registry
        .create(new_order(wallet, partner), Duration::from_secs(600), None)
        .await;
    assert!(matches!(refused, Err(ReplyError::Stopping)), "{refused:?}");
    let refused = registry
        .execute(ids[1], Party::Wallet(wallet), Command::Cancel)
        .await;
    assert!(matches!(refused, Err(ReplyError::Stopping)), "{refused:?}");
    assert_eq!(store.orders.lock().unwrap().len(), 3, "nothing was created");
    assert_eq!(store.load(ids[1]).await.unwrap().unwrap().order.version, 1);
    // Reads still answer, from the store, without starting an actor.
    let read = registry
        .snapshot(ids[0], Party::Wallet(wallet))
        .await
        .unwrap();
    assert_eq!(read.state.order.status, Status::Accepted);
    assert_eq!(registry.active_actors(), 0);
    registry.stop();
}
