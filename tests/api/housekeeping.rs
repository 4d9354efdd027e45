//! What the server forgets on its own, on SQLite and on PostgreSQL: expired quotes and old
//! idempotency records go, everything younger than its cut-off stays.

use std::time::Duration;

use rampflow::store::parties::{PartyKind, PartyRow};
use rampflow::store::pricing::QuoteRow;
use rampflow_actors::model::{PartnerId, Timestamp, WalletId};
use rampflow_actors::store::IdempotencyRecord;

use crate::journal_batch::database;

const HOUR: Duration = Duration::from_secs(3600);

fn quote(wallet: WalletId, partner: PartnerId, expires_at: Timestamp) -> QuoteRow {
    QuoteRow {
        id: uuid::Uuid::now_v7().to_string(),
        wallet_id: wallet.to_string(),
        partner_id: partner.to_string(),
        document: r#"{"id":"kept as answered"}"#.into(),
        created_at: expires_at.minus(Duration::from_secs(60)),
        expires_at,
        used_at: None,
    }
}

fn record(key: &str, created_at: Timestamp) -> IdempotencyRecord {
    IdempotencyRecord {
        owner: "wallet:housekeeping".into(),
        key: key.into(),
        request_hash: "hash".into(),
        status: 201,
        body: "{}".into(),
        created_at,
        created_order: None,
    }
}

async fn expired_quotes_and_old_keys_are_forgotten(on_postgres: bool) {
    let db = database(on_postgres).await;
    let store = &db.store;
    let now = Timestamp::now();
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    for (kind, id) in [
        (PartyKind::Wallet, wallet.to_string()),
        (PartyKind::Partner, partner.to_string()),
    ] {
        let row = PartyRow {
            id,
            name: "housekeeping".into(),
            created_at: now,
        };
        assert!(store.create_party(kind, &row, &row.id, None).await.unwrap());
    }
    let long_expired = quote(wallet, partner, now.minus(2 * HOUR));
    let just_expired = quote(wallet, partner, now.minus(Duration::from_secs(1)));
    let usable = quote(wallet, partner, now.plus(Duration::from_secs(60)));
    let quotes = [long_expired.clone(), just_expired.clone(), usable.clone()];
    assert!(store.insert_quotes(&quotes, None).await.unwrap());

    let purged = store.purge_quotes(now.minus(HOUR)).await.unwrap();

    assert_eq!(purged, 1);
    let found = |id: String| async move { store.find_quote(wallet, &id).await.unwrap() };
    assert!(found(long_expired.id).await.is_none());
    assert!(found(just_expired.id).await.is_some());
    assert!(found(usable.id).await.is_some());

    let old = record("old", now.minus(49 * HOUR));
    let young = record("young", now.minus(HOUR));
    for r in [&old, &young] {
        assert!(store.save_idempotency_record(r).await.unwrap());
    }

    let purged = store
        .purge_idempotency_records(now.minus(48 * HOUR))
        .await
        .unwrap();

    assert_eq!(purged, 1);
    let owner = "wallet:housekeeping";
    assert!(store
        .find_idempotency_record(owner, "old")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.find_idempotency_record(owner, "young").await.unwrap(),
        Some(young)
    );
}

#[tokio::test]
async fn expired_quotes_and_old_keys_are_forgotten_on_sqlite() {
    expired_quotes_and_old_keys_are_forgotten(false).await;
}

#[tokio::test]
async fn expired_quotes_and_old_keys_are_forgotten_on_postgres() {
    expired_quotes_and_old_keys_are_forgotten(true).await;
}
