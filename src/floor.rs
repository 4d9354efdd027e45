//! `rampflow floor`: the bare HTTP floor rampflow's throughput is measured against.
//!
//! One actix-web endpoint, `POST /v1/orders`, parses the create-order body of API.md into a
//! serde struct (decimal strings as `rust_decimal`), keeps it in a `DashMap` and answers 201
//! with an order resource of about the size rampflow sends. No auth, no validation beyond the
//! JSON shape, no persistence, no actor: what is left is what any JSON-over-HTTP service pays
//! on this machine, so rampflow / floor is the share of the machine's HTTP capacity rampflow
//! keeps while doing the real work.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::error::JsonPayloadError;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use chrono::{DateTime, SecondsFormat, Utc};
use dashmap::DashMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// The create-order body of API.md § Orders.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    pub direction: Direction,
    pub partner_id: Uuid,
    pub user_ref: String,
    pub crypto: Crypto,
    pub fiat: Fiat,
    pub user_wallet_address: String,
    pub payment_method: String,
    #[serde(default)]
    pub external_ref: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Onramp,
    Offramp,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Crypto {
    pub asset: String,
    pub network: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fiat {
    pub currency: String,
    pub amount: Decimal,
}

/// A stored order: what was sent, with its id and time.
#[derive(Debug)]
pub struct Stored {
    pub input: OrderInput,
    pub created_at: DateTime<Utc>,
}

/// The orders the floor holds.
pub type Orders = DashMap<Uuid, Stored>;

/// The order resource's shape (API.md § Orders), so the response costs what rampflow's does
/// to encode and send.
#[derive(Serialize)]
struct OrderView<'a> {
    id: Uuid,
    direction: Direction,
    status: &'static str,
    version: u32,
    wallet_id: Option<Uuid>,
    partner_id: Uuid,
    user_ref: &'a str,
    external_ref: Option<&'a str>,
    external_id: Option<&'a str>,
    crypto: &'a Crypto,
    fiat: &'a Fiat,
    rate: Option<Decimal>,
    fees: [(); 0],
    user_wallet_address: &'a str,
    payment_method: &'a str,
    deposit: Option<()>,
    funds: Option<()>,
    transaction_id: Option<&'a str>,
    refund: Option<()>,
    failure: Option<()>,
    created_at: &'a str,
    updated_at: &'a str,
    history: [History<'a>; 1],
}

#[derive(Serialize)]
struct History<'a> {
    status: &'static str,
    at: &'a str,
}

async fn create(orders: web::Data<Orders>, body: web::Json<OrderInput>) -> HttpResponse {
    let id = Uuid::now_v7();
    let created_at = Utc::now();
    let at = created_at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let input = body.into_inner();
    let view = OrderView {
        id,
        direction: input.direction,
        status: "created",
        version: 1,
        wallet_id: None,
        partner_id: input.partner_id,
        user_ref: &input.user_ref,
        external_ref: input.external_ref.as_deref(),
        external_id: None,
        crypto: &input.crypto,
        fiat: &input.fiat,
        rate: None,
        fees: [],
        user_wallet_address: &input.user_wallet_address,
        payment_method: &input.payment_method,
        deposit: None,
        funds: None,
        transaction_id: None,
        refund: None,
        failure: None,
        created_at: &at,
        updated_at: &at,
        history: [History {
            status: "created",
            at: &at,
        }],
    };
    let body = serde_json::to_vec(&view).expect("an order view always serializes");
    orders.insert(id, Stored { input, created_at });
    HttpResponse::Created()
        .insert_header(("Location", format!("/v1/orders/{id}")))
        .content_type("application/json")
        .body(body)
}

async fn healthz(orders: web::Data<Orders>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "orders": orders.len() }))
}

/// The API's error envelope: 422 when the JSON is well formed but not an order, 400 otherwise.
fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let (status, code) = match &error {
        JsonPayloadError::Deserialize(e) if e.is_data() => (
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => (
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        _ => (
            actix_web::http::StatusCode::BAD_REQUEST,
            "malformed_request",
        ),
    };
    let body = json!({ "error": { "code": code, "message": error.to_string(), "details": null } });
    actix_web::error::InternalError::from_response(error, HttpResponse::build(status).json(body))
        .into()
}

/// Builds the floor on `listener` with `workers` threads (0: one per core). Must be called
/// inside an actix `System`; the orders stay reachable through `orders`.
pub fn serve(
    listener: TcpListener,
    workers: usize,
    orders: Arc<Orders>,
) -> std::io::Result<Server> {
    let orders = web::Data::from(orders);
    let workers = crate::config::one_per_core_if_zero(workers);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(orders.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(64 * 1024)
                    .error_handler(json_error),
            )
            .route("/v1/orders", web::post().to(create))
            .route("/healthz", web::get().to(healthz))
    })
    .workers(workers)
    .listen(listener)?
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_number_is_not_a_decimal() {
        let strings = r#"{"currency":"NGN","amount":"15000.00"}"#;
        let fiat: Fiat = serde_json::from_str(strings).unwrap();
        assert_eq!(fiat.amount, Decimal::new(1500000, 2));
        let number = r#"{"currency":"NGN","amount":15000.00}"#;
        assert!(serde_json::from_str::<Fiat>(number).is_err());
    }
}
