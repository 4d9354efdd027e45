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
    Order, OrderReply, Status, Tag,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Principal;
use super::body::RawBody;
use super::error::ApiError;
use super::idempotency::{self, Start};
use super::openapi as doc;
use super::pagination::{encode_cursor, Query};
use super::AppState;
use crate::store::orders::{OrderFilter, OrderScope};

/// A new order. The user must have granted the partner access to their data.
///
/// Either `crypto` and `fiat` with `direction` and `partner_id`, or a `quote_id` (from
/// `POST /v1/quotes` or `GET /v1/quotes/compare`): the order then takes the quote's partner,
/// amounts, rate and fees, and `direction` and `partner_id`, when sent, must match it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateOrder {
    /// Required unless `quote_id` is given.
    #[serde(default)]
    direction: Option<Direction>,
    /// Required unless `quote_id` is given.
    #[serde(default)]
    partner_id: Option<PartnerId>,
    user_ref: UserRef,
    /// Required unless `quote_id` is given, and left out with it.
    #[serde(default)]
    crypto: Option<Crypto>,
    /// The fiat side; the amount may not be finer than the currency's minor units. Required
    /// unless `quote_id` is given, and left out with it.
    #[serde(default)]
    fiat: Option<Fiat>,
    /// A quote of this wallet, unused and unexpired. It is used up by this request, even if
    /// creating the order then fails (ask for a new quote then).
    #[serde(default)]
    #[schema(format = "uuid", example = "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f")]
    quote_id: Option<String>,
    /// On-ramp: the address that receives the crypto. Off-ramp: the refund address.
    user_wallet_address: Address,
    payment_method: PaymentMethod,
    /// The wallet's own reference for the order.
    #[serde(default)]
    external_ref: Option<ExternalRef>,
}

fn order_response(reply: &OrderReply) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(reply.document.to_string())
}

fn order_id(path: &str) -> Result<OrderId, ApiError> {
    let id = OrderId::parse(path).map_err(|_| ApiError::not_found("order"))?;
    super::request_log::record_order_id(id);
    Ok(id)
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
#[utoipa::path(
    post,
    path = "/v1/orders",
    tag = "orders",
    operation_id = "create_order",
    summary = "Create an order (wallet)",
    description = "Creates an order in `created` and routes it to the partner (with `quote_id`, the quote's partner, amounts, rate and fees; the quote is then used up), who has the configured acceptance timeout to accept or reject it (else it expires with `partner_timeout`). The user must have granted the partner access to their data. Takes an `Idempotency-Key`: a replay answers the same 201, body and `Location`.",
    security(("bearer" = ["wallet"])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "Makes the request safe to retry: the same key with the same body replays the first response for at least 24 h; with another body it is 409 `idempotency_conflict`.")),
    request_body(content = CreateOrder, example = json!({
        "direction": "offramp",
        "partner_id": doc::PARTNER_ID,
        "user_ref": "u-42",
        "crypto": {"asset": "USDC", "network": "solana", "amount": "10.00"},
        "fiat": {"currency": "NGN", "amount": "15000.00"},
        "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
        "payment_method": "bank_transfer",
        "external_ref": "w-991"
    })),
    responses(
        (status = 201, description = "The new order.", body = Order,
            headers(
                ("Location" = String, description = "`/v1/orders/{id}` of the new order."),
                ("Idempotent-Replayed" = String, description = "`true` when this is the replay of an earlier request with the same Idempotency-Key."),
            ),
            example = json!(doc::order_example("created"))),
        doc::BodyErrors,
        (status = 403, description = "`forbidden`: only a wallet may create orders; `access_not_granted`: the user has not granted the partner access to their data.", body = doc::ErrorBody,
            examples(
                ("forbidden" = (value = json!(doc::error_example("forbidden", "only a wallet may call this endpoint", serde_json::Value::Null)))),
                ("access_not_granted" = (value = json!(doc::error_example("access_not_granted", "the user has not granted this partner access to their data", serde_json::Value::Null)))),
            )),
        (status = 409, description = "`idempotency_conflict`: the Idempotency-Key was used with another body, or is in use right now.", body = doc::ErrorBody,
            example = json!(doc::error_example("idempotency_conflict", "this Idempotency-Key was used with a different request", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: a field is missing or invalid, an unknown field, no such partner, an invalid Idempotency-Key, or a `quote_id` that is unknown, another wallet's, expired or already used, or that `direction` or `partner_id` do not match (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("crypto.amount", "is required"))),
        (status = 503, response = doc::OrderUnavailable),
    ),
)]
pub async fn create(
    principal: Principal,
    req: HttpRequest,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let input: CreateOrder = body.json()?;
    let required = |field: &str| ApiError::validation(field, "is required");
    if input.quote_id.is_some() {
        for (field, given) in [
            ("crypto", input.crypto.is_some()),
            ("fiat", input.fiat.is_some()),
        ] {
            if given {
                return Err(ApiError::validation(
                    field,
                    "must be left out when quote_id is given (the quote sets the amounts)",
                ));
            }
        }
    } else {
        input.direction.ok_or_else(|| required("direction"))?;
        input.partner_id.ok_or_else(|| required("partner_id"))?;
        let crypto_given = input.crypto.is_some();
        let fiat = input
            .fiat
            .as_ref()
            .ok_or_else(|| required(if crypto_given { "fiat" } else { "crypto" }))?;
        input.crypto.as_ref().ok_or_else(|| required("crypto"))?;
        check_fiat_scale("fiat.amount", fiat, &fiat.amount)?;
    }
    let claim = match idempotency::start_optimistic(&state, &principal, &req, body.bytes()).await? {
        Start::Replay { status, body } => return replayed(status, body),
        Start::Proceed(claim) => claim,
    };
    match create_order(wallet, input, claim.as_ref(), &state).await {
        Ok(response) => Ok(response),
        // The key may have been used before: then the first response is the answer, whatever
        // this attempt ran into (the key taken in the order's own write, a quote the first
        // request used, a grant revoked since).
        // If the lookup fails too (the database went away), this attempt's own error stands:
        // a `commit_unknown` must not turn into a plain `database_unavailable`.
        Err(error) => match &claim {
            Some(claim) => match idempotency::recorded_response(&state, claim).await {
                Ok(Some((status, body))) => replayed(status, body),
                Ok(None) | Err(_) => Err(error),
            },
            None => Err(error),
        },
    }
}

/// A replayed create, with the `Location` of the order it created.
fn replayed(status: actix_web::http::StatusCode, body: String) -> Result<HttpResponse, ApiError> {
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
    Ok(response)
}

/// The create itself, once the request is valid and its key (if any) is claimed.
async fn create_order(
    wallet: rampflow_actors::model::WalletId,
    input: CreateOrder,
    claim: Option<&idempotency::Claim>,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    // An id in a shard this node serves: the order is written and run here, never forwarded.
    let order_id = state.registry.new_order_id()?;
    let (direction, partner_id, crypto, fiat, rate, fees) = match &input.quote_id {
        Some(quote_id) => {
            let quote = super::pricing::usable_quote(state, wallet, quote_id).await?;
            if input.direction.is_some_and(|d| d != quote.direction) {
                return Err(ApiError::validation(
                    "direction",
                    "does not match the quote",
                ));
            }
            if input.partner_id.is_some_and(|p| p != quote.partner_id) {
                return Err(ApiError::validation(
                    "partner_id",
                    "does not match the quote",
                ));
            }
            (
                quote.direction,
                quote.partner_id,
                quote.crypto,
                quote.fiat,
                Some(quote.rate),
                quote.fees,
            )
        }
        None => match (input.direction, input.partner_id, input.crypto, input.fiat) {
            (Some(direction), Some(partner_id), Some(crypto), Some(fiat)) => {
                (direction, partner_id, crypto, fiat, None, Vec::new())
            }
            _ => return Err(ApiError::internal("checked above")),
        },
    };
    if !state.store.partner_exists(partner_id).await? {
        return Err(ApiError::validation("partner_id", "no such partner"));
    }
    if !state
        .store
        .has_grant(wallet, &input.user_ref, partner_id)
        .await?
    {
        return Err(ApiError::access_not_granted());
    }
    // The quote is used up before the order exists: of two concurrent orders on one quote,
    // exactly one gets past this. If creating the order fails after it, the quote stays used.
    if let Some(quote_id) = &input.quote_id {
        super::pricing::take_quote(state, wallet, quote_id, order_id).await?;
    }
    let new = NewOrder {
        id: order_id,
        direction,
        wallet_id: wallet,
        partner_id,
        user_ref: input.user_ref,
        external_ref: input.external_ref,
        crypto,
        fiat,
        rate,
        fees,
        user_wallet_address: input.user_wallet_address,
        payment_method: input.payment_method,
    };
    let reply = state
        .registry
        .create(
            new,
            state.settings.accept_timeout,
            claim.map(|c| c.for_registry()),
        )
        .await?;
    super::request_log::record_order_id(reply.state.order.id);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/orders/{}", reply.state.order.id),
        ))
        .content_type("application/json")
        .body(reply.document.to_string()))
}

/// `GET /v1/orders/{id}`
#[utoipa::path(
    get,
    path = "/v1/orders/{id}",
    tag = "orders",
    operation_id = "get_order",
    summary = "Read an order (wallet or partner of the order)",
    security(("bearer" = ["wallet", "partner"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    responses(
        (status = 200, description = "The order.", body = Order, example = json!(doc::order_example("accepted"))),
        doc::ReadErrors,
        (status = 403, description = "`forbidden`: orders belong to wallets and partners (the operator has none).", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "orders belong to wallets and partners", serde_json::Value::Null))),
        (status = 404, description = "`not_found`: no such order visible to this key (another party's order is 404 too).", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such order", serde_json::Value::Null))),
        (status = 503, response = doc::OrderUnavailable),
    ),
)]
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
#[utoipa::path(
    get,
    path = "/v1/orders",
    tag = "orders",
    operation_id = "list_orders",
    summary = "List orders (wallet or partner)",
    description = "The caller's orders (a wallet's own, or those routed to a partner), newest first, filtered by the given parameters.",
    security(("bearer" = ["wallet", "partner"])),
    params(OrderFilterParams, super::pagination::PageParams),
    responses(
        (status = 200, description = "A page of orders.", body = super::pagination::Page<rampflow_actors::order::Order>,
            example = json!(doc::page_example(vec![doc::order_example("created")]))),
        doc::ListErrors,
        (status = 403, description = "`forbidden`: orders belong to wallets and partners (the operator has none).", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "orders belong to wallets and partners", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: an unknown query parameter, or an invalid filter, `limit` or `cursor`.", body = doc::ErrorBody,
            example = json!(doc::validation_example("status", "is not an order status"))),
    ),
)]
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

/// The filters of `GET /v1/orders` (documentation only: the handler reads them with [`Query`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct OrderFilterParams {
    status: Option<Status>,
    direction: Option<Direction>,
    /// Orders routed to this partner.
    partner_id: Option<PartnerId>,
    /// The partner's id for the order.
    external_id: Option<String>,
    /// Orders created at or after this instant (RFC 3339).
    created_after: Option<Timestamp>,
    /// Orders created before this instant (RFC 3339).
    created_before: Option<Timestamp>,
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AcceptInput {
    #[serde(default)]
    external_id: Option<ExternalRef>,
    #[serde(default)]
    rate: Option<Rate>,
    #[serde(default)]
    fees: Option<Vec<Fee>>,
    deposit: DepositInput,
    /// Seconds from now until the deposit window closes; within the configured bounds (by
    /// default 1 second to 7 days, the schema's bounds), the configured default when left out.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 604800)]
    deposit_window_secs: Option<u64>,
    /// Seconds before the window closes to send `order.deposit_reminder`; shorter than the
    /// window; 0 for no reminder.
    #[serde(default)]
    #[schema(minimum = 0)]
    remind_before_secs: Option<u64>,
}

#[derive(Deserialize, ToSchema)]
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
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/accept",
    tag = "orders",
    operation_id = "accept_order",
    summary = "Accept an order (partner)",
    description = "Moves a `created` order to `accepted` and gives the user deposit instructions: off-ramp orders need a crypto `deposit.address` (with an optional `tag`), on-ramp orders `deposit.bank` details. The deposit window and the reminder default from config and are bounded; the order expires with `deposit_expired` when the window closes without funds.",
    security(("bearer" = ["partner"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    request_body(content = AcceptInput, description = "The acceptance.", example = json!({"external_id": "p-5521", "rate": "1500", "fees": [{"type": "partner", "amount": "150.00", "asset": "NGN"}], "deposit": {"address": "DepositAddr111"}, "deposit_window_secs": 1800})),
    responses(
        (status = 200, description = "The order after the command.", body = Order,
            example = json!(doc::order_example("accepted"))),
        doc::CommandErrors,
        doc::PartnerOnly,
        (status = 409, description = "`invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead.", body = doc::ErrorBody,
            example = json!(doc::transition_example("completed", "accept"))),
        (status = 422, description = "`validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("deposit", "give either a crypto \"address\" (with an optional \"tag\") or \"bank\" details"))),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RejectInput {
    reason: Reason,
}

/// `POST /v1/orders/{id}/reject` (partner)
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/reject",
    tag = "orders",
    operation_id = "reject_order",
    summary = "Reject an order (partner)",
    description = "Moves a `created` order to `rejected` (terminal).",
    security(("bearer" = ["partner"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    request_body(content = RejectInput, description = "Why the order is rejected.", example = json!({"reason": "unsupported corridor"})),
    responses(
        (status = 200, description = "The order after the command.", body = Order,
            example = json!(doc::order_example("rejected"))),
        doc::CommandErrors,
        doc::PartnerOnly,
        (status = 409, description = "`invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead.", body = doc::ErrorBody,
            example = json!(doc::transition_example("completed", "reject"))),
        (status = 422, description = "`validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("reason", "is required"))),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CancelInput {}

/// `POST /v1/orders/{id}/cancel` (wallet; the body may be empty)
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/cancel",
    tag = "orders",
    operation_id = "cancel_order",
    summary = "Cancel an order (wallet)",
    description = "Moves a `created` or `accepted` order to `cancelled` (terminal). The body may be empty or `{}`.",
    security(("bearer" = ["wallet"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    request_body(content = Option<CancelInput>, description = "Empty, or `{}`.", example = json!({})),
    responses(
        (status = 200, description = "The order after the command.", body = Order,
            example = json!(doc::order_example("cancelled"))),
        doc::CommandErrors,
        doc::WalletOnly,
        (status = 409, description = "`invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead.", body = doc::ErrorBody,
            example = json!(doc::transition_example("completed", "cancel"))),
        (status = 422, description = "`validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("note", "is not a known field"))),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FundsSentInput {
    #[serde(default)]
    reference: Option<Reference>,
}

/// `POST /v1/orders/{id}/funds-sent` (wallet; the body may be empty)
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/funds-sent",
    tag = "orders",
    operation_id = "funds_sent_order",
    summary = "Tell that the user sent the funds (wallet)",
    description = "Moves an `accepted` order to `funds_sent`. The body may be empty; `reference` is the user's payment reference or transaction hash.",
    security(("bearer" = ["wallet"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    request_body(content = Option<FundsSentInput>, description = "An optional reference.", example = json!({"reference": "5Yx…solana-tx"})),
    responses(
        (status = 200, description = "The order after the command.", body = Order,
            example = json!(doc::order_example("funds_sent"))),
        doc::CommandErrors,
        doc::WalletOnly,
        (status = 409, description = "`invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead.", body = doc::ErrorBody,
            example = json!(doc::transition_example("completed", "funds-sent"))),
        (status = 422, description = "`validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("reference", "must be 1 to 256 characters"))),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FundsReceivedInput {
    amount: Amount,
    #[serde(default)]
    reference: Option<Reference>,
}

/// `POST /v1/orders/{id}/funds-received` (partner)
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/funds-received",
    tag = "orders",
    operation_id = "funds_received_order",
    summary = "Confirm receipt of the funds (partner)",
    description = "From `accepted`, `funds_sent` or `expired`: `funds_received` when `amount` equals the expected amount (`fiat.amount` on on-ramp, `crypto.amount` on off-ramp, compared by value), `inconsistent` otherwise. Late funds on an `expired` order are accepted, never lost.",
    security(("bearer" = ["partner"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    request_body(content = FundsReceivedInput, description = "The amount received.", example = json!({"amount": "10.00", "reference": "5Yx…solana-tx"})),
    responses(
        (status = 200, description = "The order after the command.", body = Order,
            example = json!(doc::order_example("funds_received"))),
        doc::CommandErrors,
        doc::PartnerOnly,
        (status = 409, description = "`invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead.", body = doc::ErrorBody,
            example = json!(doc::transition_example("completed", "funds-received"))),
        (status = 422, description = "`validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("amount", "must be a decimal string such as \"10.50\" (digits, optional fraction, no sign or exponent)"))),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CompleteInput {
    transaction_id: Reference,
    #[serde(default)]
    crypto_amount: Option<Amount>,
    #[serde(default)]
    fiat_amount: Option<Amount>,
}

/// `POST /v1/orders/{id}/complete` (partner)
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/complete",
    tag = "orders",
    operation_id = "complete_order",
    summary = "Complete an order (partner)",
    description = "From `funds_received` or `inconsistent` to `completed` (terminal). `transaction_id` is the payout (the crypto transfer on on-ramp, the bank transfer on off-ramp); `crypto_amount` and `fiat_amount` record final amounts when they differ.",
    security(("bearer" = ["partner"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    request_body(content = CompleteInput, description = "The payout.", example = json!({"transaction_id": "bank-tx-9"})),
    responses(
        (status = 200, description = "The order after the command.", body = Order,
            example = json!(doc::order_example("completed"))),
        doc::CommandErrors,
        doc::PartnerOnly,
        (status = 409, description = "`invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead.", body = doc::ErrorBody,
            example = json!(doc::transition_example("completed", "complete"))),
        (status = 422, description = "`validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("transaction_id", "is required"))),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FailInput {
    code: FailureCode,
    reason: Reason,
}

/// `POST /v1/orders/{id}/fail` (partner)
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/fail",
    tag = "orders",
    operation_id = "fail_order",
    summary = "Fail an order (partner)",
    description = "From `accepted`, `funds_sent`, `funds_received` or `inconsistent` to `failed`. A failed order can still be refunded.",
    security(("bearer" = ["partner"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    request_body(content = FailInput, description = "Why the order failed.", example = json!({"code": "aml_check_failed", "reason": "the user failed the partner's checks"})),
    responses(
        (status = 200, description = "The order after the command.", body = Order,
            example = json!(doc::order_example("failed"))),
        doc::CommandErrors,
        doc::PartnerOnly,
        (status = 409, description = "`invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead.", body = doc::ErrorBody,
            example = json!(doc::transition_example("completed", "fail"))),
        (status = 422, description = "`validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("code", "must match ^[a-z0-9_]{1,64}$"))),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RefundInput {
    amount: Amount,
    transaction_id: Reference,
    #[serde(default)]
    address: Option<Address>,
}

/// `POST /v1/orders/{id}/refund` (partner)
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/refund",
    tag = "orders",
    operation_id = "refund_order",
    summary = "Refund an order (partner)",
    description = "From `failed`, `inconsistent` or `expired` to `refunded` (terminal). `address` defaults to the order's `user_wallet_address`.",
    security(("bearer" = ["partner"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    request_body(content = RefundInput, description = "The refund.", example = json!({"amount": "10.00", "transaction_id": "4Zq…solana-tx"})),
    responses(
        (status = 200, description = "The order after the command.", body = Order,
            example = json!(doc::order_example("refunded"))),
        doc::CommandErrors,
        doc::PartnerOnly,
        (status = 409, description = "`invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead.", body = doc::ErrorBody,
            example = json!(doc::transition_example("completed", "refund"))),
        (status = 422, description = "`validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("amount", "is required"))),
    ),
)]
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
