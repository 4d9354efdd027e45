//! The metrics the actors record, counted exactly. This binary is its own process with one
//! test, so the process-wide recorder sees nothing but what this test does, and every figure
//! can be compared with the atomics `/v1/ops/stats` reads.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{new_order, MemoryStore};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use rampflow_actors::instruments;
use rampflow_actors::journal::{Journal, JournalSettings};
use rampflow_actors::model::{Address, PartnerId, Reference, WalletId};
use rampflow_actors::order::{Accept, Command, DepositInstructions, Party, ReplyError, Status};
use rampflow_actors::registry::{Registry, RegistrySettings};
use rampflow_actors::shard::{Shards, DEFAULT_SHARD_COUNT};
use rampflow_actors::store::OrderStore;
use rampflow_actors::webhook::Nudge;

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

/// Every sample of a scrape by its series (`name{labels}`).
fn samples(handle: &PrometheusHandle) -> BTreeMap<String, f64> {
    handle
        .render()
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .map(|(series, value)| (series.to_owned(), value.parse().unwrap()))
        .collect()
}

fn value(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    *samples
        .get(series)
        .unwrap_or_else(|| panic!("no {series} in {samples:#?}"))
}

#[actix_rt::test]
async fn transitions_commands_timers_and_batches_are_counted_exactly() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).expect("the only recorder of this process");
    instruments::describe();

    let store = Arc::new(MemoryStore::default());
    let journal = Journal::start(store.clone(), JournalSettings::default(), Nudge::default());
    let registry = Registry::start(
        store.clone(),
        journal,
        RegistrySettings {
            arbiters: 2,
            passivate_after: Duration::from_secs(600),
            ..RegistrySettings::default()
        },
        Arc::new(Shards::single_node("test", DEFAULT_SHARD_COUNT)),
    );
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let created = registry
        .create(new_order(wallet, partner), Duration::from_secs(600), None)
        .await
        .unwrap();
    let id = created.state.order.id;
    registry
        .execute(id, Party::Partner(partner), accept())
        .await
        .unwrap();
    // Refused by the actor (the wrong role): timed, but no transition.
    let refused = registry.execute(id, Party::Wallet(wallet), accept()).await;
    assert!(matches!(refused, Err(ReplyError::Forbidden)));
    registry
        .execute(id, Party::Wallet(wallet), Command::Cancel)
        .await
        .unwrap();
    // Refused by the state machine.
    let refused = registry
        .execute(
            id,
            Party::Wallet(wallet),
            Command::FundsSent {
                reference: Some(Reference::parse("tx-1").unwrap()),
            },
        )
        .await;
    assert!(matches!(refused, Err(ReplyError::Rejected(_))));

    // Nobody accepts this one in time.
    let expiring = registry
        .create(new_order(wallet, partner), Duration::from_millis(50), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    // The command's time is the last thing the actor records for it.
    let fired = |s: &BTreeMap<String, f64>| {
        s.get(r#"rampflow_order_command_duration_seconds_count{command="timer_acceptance"}"#)
            .copied()
            == Some(1.0)
    };
    while !fired(&samples(&handle)) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the timer never fired"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        store.load(expiring).await.unwrap().unwrap().order.status,
        Status::Expired
    );

    let s = samples(&handle);
    let transitions = |from: &str, to: &str| {
        value(
            &s,
            &format!(r#"rampflow_order_transitions_total{{from="{from}",to="{to}"}}"#),
        )
    };
    assert_eq!(transitions("none", "created"), 2.0);
    assert_eq!(transitions("created", "accepted"), 1.0);
    assert_eq!(transitions("accepted", "cancelled"), 1.0);
    assert_eq!(transitions("created", "expired"), 1.0);
    let all_transitions: f64 = s
        .iter()
        .filter(|(series, _)| series.starts_with("rampflow_order_transitions_total{"))
        .map(|(_, value)| value)
        .sum();
    let stats = registry.stats();
    assert_eq!(
        all_transitions,
        stats.transitions.load(Ordering::Relaxed) as f64
    );

    let commands = |command: &str| {
        value(
            &s,
            &format!(r#"rampflow_order_command_duration_seconds_count{{command="{command}"}}"#),
        )
    };
    assert_eq!(commands("accept"), 2.0, "the refused one included");
    assert_eq!(commands("cancel"), 1.0);
    assert_eq!(commands("funds_sent"), 1.0);
    assert_eq!(commands("timer_acceptance"), 1.0);
    assert_eq!(
        value(
            &s,
            r#"rampflow_timer_lateness_seconds_count{kind="acceptance"}"#
        ),
        1.0
    );
    assert_eq!(
        value(&s, r#"rampflow_timers_fired_total{kind="reminder"}"#),
        0.0
    );

    assert_eq!(value(&s, "rampflow_order_actor_activations_total"), 2.0);
    assert_eq!(
        value(&s, "rampflow_order_actor_activations_total"),
        stats.activations.load(Ordering::Relaxed) as f64
    );
    assert_eq!(value(&s, "rampflow_order_actor_passivations_total"), 0.0);
    assert_eq!(value(&s, "rampflow_order_actor_restarts_total"), 0.0);

    let journal = registry.journal().stats();
    assert_eq!(value(&s, "rampflow_journal_batch_rows_sum"), 5.0);
    assert_eq!(
        value(&s, "rampflow_journal_batch_rows_sum"),
        journal.rows.load(Ordering::Relaxed) as f64
    );
    assert_eq!(
        value(&s, "rampflow_journal_batch_rows_count"),
        journal.batches.load(Ordering::Relaxed) as f64
    );
    assert_eq!(
        value(&s, "rampflow_journal_commit_duration_seconds_count"),
        journal.batches.load(Ordering::Relaxed) as f64
    );
    for outcome in instruments::WEBHOOK_OUTCOMES {
        let series = format!(r#"rampflow_webhook_deliveries_total{{outcome="{outcome}"}}"#);
        assert_eq!(value(&s, &series), 0.0);
    }
    registry.stop();
}
