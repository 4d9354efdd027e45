//! Orders: create, read, list, and the lifecycle commands. Every command goes to the order's
//! actor; the reply is sent only after the change is committed.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rampflow_actors::model::{
    Address, Amount, ExternalRef, FailureCode, OrderId, PartnerId, PaymentMethod, Rate, Reason,
    Reference, Timestamp, UserRef,
};
use rampflow_actors::order::{
    Accept, BankDetails, Command, Crypto, DepositInstructions, Direction, Fee, Fiat, NewOrder,
    OrderReply, Status, Tag,
};
use serde::Deserialize;

use super::auth::Principal;
use super::body::RawBody;
use super::error::ApiError;
use super::idempotency::{self, Start};
use super::pagination::{encode_cursor, Query};
use super::AppState;
use crate::store::orders::{OrderFilter, OrderScope};
use crate::store::parties::PartyKind;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateOrder {
    direction: Direction,
    partner_id: PartnerId,
    user_ref: UserRef,
    crypto: Crypto,
    fiat: Fiat,
    user_wallet_address: Address,
    payment_method: PaymentMethod,
    #[serde(default)]
    external_ref: Option<ExternalRef>,
}

fn order_response(reply: &OrderReply) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(reply.document.to_string())
}

fn order_id(path: &str) -> Result<OrderId, ApiError> {
    OrderId::parse(path).map_err(|_| ApiError::not_found("order"))
}

/// Fiat amounts may not be finer than the currency's minor units (no 0.001 NGN).
fn check_fiat_scale(field: &str, fiat: &Fiat, amount: &Amount) -> Result<(), ApiError> {
    let units = fiat.currency.minor_units();
    if amount.scale() > units {
        return Err(ApiError::validation(
            field,
            format!("{} has {units} decimal places at most", fiat.currency),
        ));
    }
    Ok(())
}

/// `POST /v1/orders` (wallet, Idempotency-Key)
pub async fn create(
    principal: Principal,
    req: HttpRequest,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let input: CreateOrder = body.json()?;
    check_fiat_scale("fiat.amount", &input.fiat, &input.fiat.amount)?;
    let claim = match idempotency::start(&state, &principal, &req, body.bytes()).await? {
        Start::Replay { status, body } => {
            let mut response = idempotency::replay_response(status, body.clone());
            if let Some(id) = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_owned))
            {
                response.headers_mut().insert(
                    header::LOCATION,
                    header::HeaderValue::from_str(&format!("/v1/orders/{id}"))
                        .map_err(ApiError::internal)?,
                );
            }
            return Ok(response);
        }
        Start::Proceed(claim) => claim,
    };
    if state
        .store
        .find_party(PartyKind::Partner, &input.partner_id.to_string())
        .await?
        .is_none()
    {
        return Err(ApiError::validation("partner_id", "no such partner"));
    }
    if !state
        .store
        .has_grant(wallet, &input.user_ref, input.partner_id)
        .await?
    {
        return Err(ApiError::access_not_granted());
    }
    let new = NewOrder {
        id: OrderId::new(),
        direction: input.direction,
        wallet_id: wallet,
        partner_id: input.partner_id,
        user_ref: input.user_ref,
        external_ref: input.external_ref,
        crypto: input.crypto,
        fiat: input.fiat,
        rate: None,
        fees: Vec::new(),
        user_wallet_address: input.user_wallet_address,
        payment_method: input.payment_method,
    };
    let reply = state
        .registry
        .create(
            new,
            state.settings.accept_timeout,
            claim.as_ref().map(|c| c.for_registry()),
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/orders/{}", reply.state.order.id),
        ))
        .content_type("application/json")
        .body(reply.document.to_string()))
}

/// `GET /v1/orders/{id}`
pub async fn get(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let party = principal.party()?;
    let reply = state.registry.snapshot(order_id(&path)?, party).await?;
    Ok(order_response(&reply))
}

/// `GET /v1/orders?status=&direction=&partner_id=&external_id=&created_after=&created_before=`
pub async fn list(
    principal: Principal,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = match principal {
        Principal::Wallet(id) => OrderScope::Wallet(id),
        Principal::Partner(id) => OrderScope::Partner(id),
        Principal::Operator => return Err(principal.party().unwrap_err()),
    };
    let query = Query::parse(
        req.query_string(),
        &[
            "status",
            "direction",
            "partner_id",
            "external_id",
            "created_after",
            "created_before",
        ],
    )?;
    let limit = query.limit()?;
    let parse_time = |name: &str| -> Result<Option<Timestamp>, ApiError> {
        query
            .get(name)
            .map(|t| Timestamp::parse(t).map_err(|e| ApiError::validation(name, e.0)))
            .transpose()
    };
    let filter = OrderFilter {
        status: query
            .get("status")
            .map(|s| {
                Status::parse(s)
                    .ok_or_else(|| ApiError::validation("status", "is not an order status"))
            })
            .transpose()?,
        direction: query
            .get("direction")
            .map(|d| {
                Direction::parse(d)
                    .ok_or_else(|| ApiError::validation("direction", "must be onramp or offramp"))
            })
            .transpose()?,
        partner_id: query
            .get("partner_id")
            .map(|p| PartnerId::parse(p).map_err(|e| ApiError::validation("partner_id", e.0)))
            .transpose()?,
        external_id: query.get("external_id").map(str::to_owned),
        created_after: parse_time("created_after")?,
        created_before: parse_time("created_before")?,
        before_id: query
            .cursor()?
            .map(|c| {
                OrderId::parse(&c)
                    .map_err(|_| ApiError::validation("cursor", "is not a cursor this API issued"))
            })
            .transpose()?,
    };
    let mut rows = state.store.list_orders(scope, &filter, limit + 1).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|(id, _)| encode_cursor(&id.to_string()))
    } else {
        None
    };
    // The stored documents are already the order resources: splice them, no re-encoding.
    let mut body = String::with_capacity(rows.iter().map(|(_, d)| d.len() + 1).sum::<usize>() + 64);
    body.push_str(r#"{"data":["#);
    for (index, (_, document)) in rows.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push_str(document);
    }
    body.push_str(r#"],"next_cursor":"#);
    body.push_str(&serde_json::to_string(&next_cursor).map_err(ApiError::internal)?);
    body.push('}');
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

async fn run(
    principal: Principal,
    path: &str,
    state: &AppState,
    command: Command,
) -> Result<HttpResponse, ApiError> {
    let reply = state
        .registry
        .execute(order_id(path)?, principal.party()?, command)
        .await?;
    Ok(order_response(&reply))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptInput {
    #[serde(default)]
    external_id: Option<ExternalRef>,
    #[serde(default)]
    rate: Option<Rate>,
    #[serde(default)]
    fees: Option<Vec<Fee>>,
    deposit: DepositInput,
    #[serde(default)]
    deposit_window_secs: Option<u64>,
    #[serde(default)]
    remind_before_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DepositInput {
    #[serde(default)]
    address: Option<Address>,
    #[serde(default)]
    tag: Option<Tag>,
    #[serde(default)]
    bank: Option<BankDetails>,
}

impl AcceptInput {
    /// Resolves the windows against the configured default and bounds.
    fn into_command(self, state: &AppState) -> Result<Command, ApiError> {
        let settings = &state.settings;
        let deposit = match (self.deposit.address, self.deposit.bank, self.deposit.tag) {
            (Some(address), None, tag) => DepositInstructions::Crypto { address, tag },
            (None, Some(bank), None) => DepositInstructions::Bank(bank),
            (None, Some(_), Some(_)) => {
                return Err(ApiError::validation(
                    "deposit.tag",
                    "goes with a crypto address, not bank details",
                ))
            }
            _ => return Err(ApiError::validation(
                "deposit",
                "give either a crypto \"address\" (with an optional \"tag\") or \"bank\" details",
            )),
        };
        let window = match self.deposit_window_secs {
            None => settings.deposit_window,
            Some(secs) => {
                let window = Duration::from_secs(secs);
                if window < settings.deposit_window_min || window > settings.deposit_window_max {
                    return Err(ApiError::validation(
                        "deposit_window_secs",
                        format!(
                            "must be from {} to {} seconds",
                            settings.deposit_window_min.as_secs(),
                            settings.deposit_window_max.as_secs()
                        ),
                    ));
                }
                window
            }
        };
        let remind_before = match self.remind_before_secs {
            None => Some(settings.deposit_reminder).filter(|before| *before < window),
            Some(0) => None,
            Some(secs) if Duration::from_secs(secs) >= window => {
                return Err(ApiError::validation(
                    "remind_before_secs",
                    "must be shorter than the deposit window",
                ))
            }
            Some(secs) => Some(Duration::from_secs(secs)),
        };
        Ok(Command::Accept(Accept {
            external_id: self.external_id,
            rate: self.rate,
            fees: self.fees,
            deposit,
            deposit_window: window,
            remind_before,
        }))
    }
}

/// `POST /v1/orders/{id}/accept` (partner)
pub async fn accept(
    principal: Principal,
    path: web::Path<String>,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.partner()?;
    let command = body.json::<AcceptInput>()?.into_command(&state)?;
    run(principal, &path, &state, command).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectInput {
    reason: Reason,
}

/// `POST /v1/orders/{id}/reject` (partner)
pub async fn reject(
    principal: Principal,
    path: web::Path<String>,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.partner()?;
    let input: RejectInput = body.json()?;
    run(
        principal,
        &path,
        &state,
        Command::Reject {
            reason: input.reason,
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelInput {}

/// `POST /v1/orders/{id}/cancel` (wallet; the body may be empty)
pub async fn cancel(
    principal: Principal,
    path: web::Path<String>,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.wallet()?;
    let CancelInput {} = body.json_or_empty()?;
    run(principal, &path, &state, Command::Cancel).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FundsSentInput {
    #[serde(default)]
    reference: Option<Reference>,
}

/// `POST /v1/orders/{id}/funds-sent` (wallet; the body may be empty)
pub async fn funds_sent(
    principal: Principal,
    path: web::Path<String>,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.wallet()?;
    let input: FundsSentInput = body.json_or_empty()?;
    run(
        principal,
        &path,
        &state,
        Command::FundsSent {
            reference: input.reference,
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FundsReceivedInput {
    amount: Amount,
    #[serde(default)]
    reference: Option<Reference>,
}

/// `POST /v1/orders/{id}/funds-received` (partner)
pub async fn funds_received(
    principal: Principal,
    path: web::Path<String>,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.partner()?;
    let input: FundsReceivedInput = body.json()?;
    let command = Command::FundsReceived {
        amount: input.amount,
        reference: input.reference,
    };
    run(principal, &path, &state, command).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteInput {
    transaction_id: Reference,
    #[serde(default)]
    crypto_amount: Option<Amount>,
    #[serde(default)]
    fiat_amount: Option<Amount>,
}

/// `POST /v1/orders/{id}/complete` (partner)
pub async fn complete(
    principal: Principal,
    path: web::Path<String>,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.partner()?;
    let input: CompleteInput = body.json()?;
    let command = Command::Complete {
        transaction_id: input.transaction_id,
        crypto_amount: input.crypto_amount,
        fiat_amount: input.fiat_amount,
    };
    run(principal, &path, &state, command).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailInput {
    code: FailureCode,
    reason: Reason,
}

/// `POST /v1/orders/{id}/fail` (partner)
pub async fn fail(
    principal: Principal,
    path: web::Path<String>,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.partner()?;
    let input: FailInput = body.json()?;
    let command = Command::Fail {
        code: input.code,
        reason: input.reason,
    };
    run(principal, &path, &state, command).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundInput {
    amount: Amount,
    transaction_id: Reference,
    #[serde(default)]
    address: Option<Address>,
}

/// `POST /v1/orders/{id}/refund` (partner)
pub async fn refund(
    principal: Principal,
    path: web::Path<String>,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.partner()?;
    let input: RefundInput = body.json()?;
    let command = Command::Refund {
        amount: input.amount,
        transaction_id: input.transaction_id,
        address: input.address,
    };
    run(principal, &path, &state, command).await
}
