//! Per-key rate limits: 429 `rate_limited` with Retry-After; keys do not share a budget; the
//! operator is not limited.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app_with, ADMIN_TOKEN};

#[tokio::test]
async fn a_key_past_its_rate_gets_429_and_other_keys_do_not() {
    let app = spawn_app_with(|s| {
        s.rate_limit.per_key_per_second = 1;
        s.rate_limit.burst = 1;
    })
    .await;
    let first = app.create_wallet("First").await;
    let second = app.create_wallet("Second").await;

    // One token a second: of twenty back-to-back reads, most must be refused.
    let mut refused = None;
    for _ in 0..20 {
        let response = app.get("/v1/orders", &first.key).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = refused.expect("twenty requests at once exceed one per second");
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");

    assert_eq!(
        app.get("/v1/orders", &second.key).await.status(),
        StatusCode::OK
    );
    for _ in 0..5 {
        let response = app.get("/v1/admin/wallets", ADMIN_TOKEN).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "the operator is not limited"
        );
    }
}
