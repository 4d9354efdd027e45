//! The journal's writer tasks (PostgreSQL's way): with several, a batch is written while others
//! commit, each write lands once, and the journal's figures add up across them.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{eventually, new_order, MemoryStore};
use rampflow_actors::journal::{Journal, JournalSettings};
use rampflow_actors::model::{PartnerId, Timestamp, WalletId};
use rampflow_actors::order::open;
use rampflow_actors::store::OrderWrite;
use rampflow_actors::webhook::Nudge;
use rampflow_actors::write_for;

fn write() -> OrderWrite {
    let order = new_order(WalletId::new(), PartnerId::new());
    write_for(
        open(order, Timestamp::now(), Duration::from_secs(600)),
        0,
        None,
    )
}

/// Submits one write at a time, each once the writes before it are all in transactions that
/// are still committing (each commit takes 300 ms), and returns the most commits the store saw
/// under way at once.
async fn overlapping_commits(writers: usize, writes: usize) -> usize {
    let store = Arc::new(MemoryStore::default());
    store.slow_commits.store(true, Ordering::SeqCst);
    let settings = JournalSettings {
        writers,
        ..JournalSettings::default()
    };
    let journal = Journal::start(store.clone(), settings, Nudge::default());
    let mut tickets = Vec::new();
    for submitted in 1..=writes {
        tickets.push(journal.submit(write()).unwrap());
        // Taken from the queue by a writer (or waiting for one, when all are busy).
        eventually("the write is taken or waits for a writer", || {
            journal.queue_depth() == 0 || store.commits_in_flight.load(Ordering::SeqCst) == writers
        })
        .await;
        let committing = journal.stats().committing.load(Ordering::SeqCst);
        assert!(committing <= submitted, "{committing} of {submitted}");
    }
    for ticket in tickets {
        ticket.await.unwrap().unwrap();
    }
    assert_eq!(store.orders.lock().unwrap().len(), writes);
    eventually("the journal is idle", || journal.is_idle()).await;
    assert_eq!(journal.stats().rows.load(Ordering::SeqCst), writes as u64);
    store.max_commits_in_flight.load(Ordering::SeqCst)
}

#[actix_rt::test]
async fn several_writers_commit_batches_side_by_side() {
    assert_eq!(overlapping_commits(3, 3).await, 3);
}

#[actix_rt::test]
async fn one_writer_commits_one_batch_at_a_time() {
    assert_eq!(overlapping_commits(1, 3).await, 1);
}
