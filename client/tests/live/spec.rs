//! The Rust client against the committed `openapi.json`: every 2xx JSON answer's example in
//! the spec must read into the type the client gives that operation. A field the client needs
//! that the spec drops or renames, or a type it narrows or changes, fails here. (The TypeScript
//! client gets the same check from `tsc` against its generated types: `typescript.rs`.)

use rampflow_client::model::{PartnerId, WalletId};
use rampflow_client::order::Order;
use rampflow_client::{
    Access, ClusterReport, CreatedEndpoint, Endpoint, EventRecord, EventWithDeliveries,
    FeeSchedule, Grant, OpsStats, Page, Party, PartyWithKey, PriceList, Quote, Redelivery,
    RotatedSecret, User,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// `GET /v1/quotes/compare`.
#[derive(Deserialize)]
#[allow(dead_code)]
struct QuoteList {
    data: Vec<Quote>,
}

fn reads<T: DeserializeOwned>(example: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(example.clone())
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Reads one example into a client type.
type Check = fn(&Value) -> Result<(), String>;

/// The client's type for an operation's 2xx answer, as a check of one example; `None` for the
/// operations whose answers the client does not read (health, metrics, the spec, the docs).
fn check(operation: &str) -> Option<Check> {
    Some(match operation {
        "list_wallets" => reads::<Page<Party<WalletId>>>,
        "list_partners" => reads::<Page<Party<PartnerId>>>,
        "create_wallet" | "rotate_wallet_key" => reads::<PartyWithKey<WalletId>>,
        "create_partner" | "rotate_partner_key" => reads::<PartyWithKey<PartnerId>>,
        "get_ops_stats" => reads::<OpsStats>,
        "get_ops_cluster" => reads::<ClusterReport>,
        "get_user" | "put_user" | "get_order_user" => reads::<User>,
        "list_grants" => reads::<Page<Grant>>,
        "grant_access" => reads::<Grant>,
        "list_access_log" => reads::<Page<Access>>,
        "get_partner_pricing" | "put_partner_pricing" => reads::<PriceList>,
        "get_wallet_fee" | "put_wallet_fee" => reads::<FeeSchedule>,
        "create_quote" => reads::<Quote>,
        "compare_quotes" => reads::<QuoteList>,
        "list_orders" => reads::<Page<Order>>,
        "create_order"
        | "get_order"
        | "accept_order"
        | "reject_order"
        | "cancel_order"
        | "funds_sent_order"
        | "funds_received_order"
        | "complete_order"
        | "fail_order"
        | "refund_order" => reads::<Order>,
        "list_webhook_endpoints" => reads::<Page<Endpoint>>,
        "create_webhook_endpoint" => reads::<CreatedEndpoint>,
        "rotate_webhook_secret" => reads::<RotatedSecret>,
        "list_events" => reads::<Page<EventRecord>>,
        "get_event" => reads::<EventWithDeliveries>,
        "redeliver_event" => reads::<Redelivery>,
        _ => return None,
    })
}

#[test]
fn every_answer_example_in_openapi_json_reads_into_the_client_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            let Some(check) = check(id) else {
                continue;
            };
            for (status, answer) in operation["responses"].as_object().unwrap() {
                let json = &answer["content"]["application/json"];
                if !status.starts_with('2') || json.is_null() {
                    continue;
                }
                let mut examples: Vec<&Value> = json.get("example").into_iter().collect();
                if let Some(named) = json.get("examples").and_then(Value::as_object) {
                    examples.extend(named.values().filter_map(|e| e.get("value")));
                }
                for example in examples {
                    checked += 1;
                    if let Err(e) = check(example) {
                        failures.push(format!("{method} {path} {status} ({id}): {e}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "openapi.json's examples no longer read into rampflow-client's types; update the \
         client (client/src/api/) with the spec:\n{}",
        failures.join("\n")
    );
    assert!(
        checked >= 30,
        "only {checked} examples found in openapi.json"
    );
}
