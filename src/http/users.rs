//! A wallet's users, their grants to partners, and the partner's read of a user's data.

use actix_web::{web, HttpRequest, HttpResponse};
use rampflow_actors::model::{OrderId, PartnerId, Timestamp, UserRef, WalletId};
use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::auth::Principal;
use super::body::RawBody;
use super::error::ApiError;
use super::openapi as doc;
use super::pagination::{Page, Query};
use super::AppState;
use crate::kyc::UserData;
use crate::store::parties::PartyKind;
use crate::store::users::UserRow;

fn user_data_example() -> Value {
    json!({
        "email": "ada@example.com",
        "phone": "+2348012345678",
        "name": {"first": "Ada", "last": "Obi"},
        "birth_date": "1990-01-31",
        "country": "NG",
        "document": {"type": "passport", "number": "A1234567", "country": "NG"},
        "bank_account": {"bank_name": "GTBank", "account_number": "0123456789", "bank_code": "058"}
    })
}

fn user_example() -> Value {
    let mut user = json!({"user_ref": "u-42"});
    user.as_object_mut()
        .expect("an object")
        .extend(user_data_example().as_object().cloned().unwrap_or_default());
    user["created_at"] = json!("2026-11-22T10:15:30.123Z");
    user["updated_at"] = json!("2026-11-22T10:15:30.123Z");
    user
}

fn user_ref(path: &str) -> Result<UserRef, ApiError> {
    UserRef::parse(path).map_err(|invalid| ApiError::validation("user_ref", invalid.0))
}

/// The user resource: `user_ref`, the KYC fields, and when it was stored.
fn user_view(user: &UserRef, row: &UserRow) -> Result<Value, ApiError> {
    let mut object = Map::new();
    object.insert("user_ref".into(), Value::String(user.to_string()));
    match serde_json::from_str(&row.data).map_err(ApiError::internal)? {
        Value::Object(fields) => object.extend(fields),
        _ => return Err(ApiError::internal("stored user data is not an object")),
    }
    // Every field is in the answer, `null` when not stored, as `UserView` says: data stored by
    // an older rampflow may lack the fields it left out.
    for field in [
        "email",
        "phone",
        "name",
        "birth_date",
        "country",
        "document",
        "bank_account",
    ] {
        object.entry(field).or_insert(Value::Null);
    }
    object.insert(
        "created_at".into(),
        Value::String(row.created_at.to_string()),
    );
    object.insert(
        "updated_at".into(),
        Value::String(row.updated_at.to_string()),
    );
    Ok(Value::Object(object))
}

async fn existing_user(
    state: &AppState,
    wallet: WalletId,
    user: &UserRef,
) -> Result<UserRow, ApiError> {
    state
        .store
        .get_user(wallet, user)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))
}

/// `PUT /v1/users/{user_ref}`: 201 when created, 200 when replaced.
#[utoipa::path(
    put,
    path = "/v1/users/{user_ref}",
    tag = "users",
    operation_id = "put_user",
    summary = "Create or replace a user's data (wallet)",
    description = "Stores the user's KYC data, replacing all of it: a field left out is erased. Every field is optional; unknown fields are refused.",
    security(("bearer" = ["wallet"])),
    params(("user_ref" = UserRef, Path, description = "The wallet's id for its user (URL-encoded).")),
    request_body(content = UserData, example = json!(user_data_example())),
    responses(
        (status = 200, description = "The user's data was replaced.", body = doc::UserView, example = json!(user_example())),
        (status = 201, description = "The user was created.", body = doc::UserView, example = json!(user_example())),
        doc::BodyErrors,
        doc::WalletOnly,
        (status = 422, description = "`validation_failed`: an invalid `user_ref`, an invalid or unknown field (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("email", "must be an email address such as ada@example.com"))),
    ),
)]
pub async fn put(
    principal: Principal,
    path: web::Path<String>,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let user = user_ref(&path)?;
    let data: UserData = body.json()?;
    let data = serde_json::to_string(&data).map_err(ApiError::internal)?;
    let (row, created) = state
        .store
        .put_user(wallet, &user, &data, Timestamp::now())
        .await?;
    let view = user_view(&user, &row)?;
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// `GET /v1/users/{user_ref}`
#[utoipa::path(
    get,
    path = "/v1/users/{user_ref}",
    tag = "users",
    operation_id = "get_user",
    summary = "Read a user's data (wallet)",
    description = "The user's data as stored, absent fields `null`.",
    security(("bearer" = ["wallet"])),
    params(("user_ref" = UserRef, Path, description = "The wallet's id for its user (URL-encoded).")),
    responses(
        (status = 200, description = "The user.", body = doc::UserView, example = json!(user_example())),
        doc::ReadErrors,
        doc::WalletOnly,
        (status = 404, description = "`not_found`: the wallet has no such user.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such user", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: `user_ref` is not 1 to 128 printable characters.", body = doc::ErrorBody,
            example = json!(doc::validation_example("user_ref", "must be 1 to 128 characters"))),
    ),
)]
pub async fn get(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let user = user_ref(&path)?;
    let row = existing_user(&state, wallet, &user).await?;
    Ok(HttpResponse::Ok().json(user_view(&user, &row)?))
}

/// `DELETE /v1/users/{user_ref}`: erases the data and its grants; orders keep the `user_ref`.
#[utoipa::path(
    delete,
    path = "/v1/users/{user_ref}",
    tag = "users",
    operation_id = "delete_user",
    summary = "Erase a user's data (wallet)",
    description = "Erases the user's data and every grant of access to it. Orders keep their `user_ref`.",
    security(("bearer" = ["wallet"])),
    params(("user_ref" = UserRef, Path, description = "The wallet's id for its user (URL-encoded).")),
    responses(
        (status = 204, description = "The data is erased."),
        doc::ReadErrors,
        doc::WalletOnly,
        (status = 404, description = "`not_found`: the wallet has no such user.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such user", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: `user_ref` is not 1 to 128 printable characters.", body = doc::ErrorBody,
            example = json!(doc::validation_example("user_ref", "must be 1 to 128 characters"))),
    ),
)]
pub async fn delete(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let user = user_ref(&path)?;
    if state.store.delete_user(wallet, &user).await? {
        // In a cluster, every node's cached copy runs out before the answer (cluster::coherence).
        state.cache_policy.outlive_cached_copies().await;
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found("user"))
    }
}

/// A partner's access to a user's data.
#[derive(Serialize, ToSchema)]
struct GrantView {
    #[schema(format = "uuid", example = "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c")]
    partner_id: String,
    granted_at: Timestamp,
}

async fn existing_partner(state: &AppState, id: &str) -> Result<PartnerId, ApiError> {
    let partner = PartnerId::parse(id).map_err(|_| ApiError::not_found("partner"))?;
    state
        .store
        .find_party(PartyKind::Partner, &partner.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    Ok(partner)
}

/// `PUT /v1/users/{user_ref}/grants/{partner_id}`
#[utoipa::path(
    put,
    path = "/v1/users/{user_ref}/grants/{partner_id}",
    tag = "users",
    operation_id = "grant_access",
    summary = "Grant a partner access to a user's data (wallet)",
    description = "Lets the partner read the user's data through the orders routed to it (`GET /v1/orders/{id}/user`). Granting again keeps the grant. No body.",
    security(("bearer" = ["wallet"])),
    params(("user_ref" = UserRef, Path, description = "The wallet's id for its user (URL-encoded)."), ("partner_id" = PartnerId, Path, description = "The partner's id.")),
    responses(
        (status = 200, description = "The grant.", body = GrantView, example = json!({"partner_id": doc::PARTNER_ID, "granted_at": "2026-11-22T10:15:30.123Z"})),
        doc::ReadErrors,
        doc::WalletOnly,
        (status = 404, description = "`not_found`: the wallet has no such user, or there is no such partner.", body = doc::ErrorBody,
            examples(
                ("user" = (value = json!(doc::error_example("not_found", "no such user", serde_json::Value::Null)))),
                ("partner" = (value = json!(doc::error_example("not_found", "no such partner", serde_json::Value::Null)))),
            )),
        (status = 422, description = "`validation_failed`: `user_ref` is not 1 to 128 printable characters.", body = doc::ErrorBody,
            example = json!(doc::validation_example("user_ref", "must be 1 to 128 characters"))),
    ),
)]
pub async fn grant(
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let (user, partner) = path.into_inner();
    let user = user_ref(&user)?;
    existing_user(&state, wallet, &user).await?;
    let partner = existing_partner(&state, &partner).await?;
    let row = state
        .store
        .grant(wallet, &user, partner, Timestamp::now())
        .await?;
    Ok(HttpResponse::Ok().json(GrantView {
        partner_id: row.partner_id,
        granted_at: row.granted_at,
    }))
}

/// `DELETE /v1/users/{user_ref}/grants/{partner_id}`
#[utoipa::path(
    delete,
    path = "/v1/users/{user_ref}/grants/{partner_id}",
    tag = "users",
    operation_id = "revoke_access",
    summary = "Revoke a partner's access to a user's data (wallet)",
    description = "From now on the partner's reads of the user's data are 403 `access_not_granted`, and the wallet can no longer create orders for this user with this partner.",
    security(("bearer" = ["wallet"])),
    params(("user_ref" = UserRef, Path, description = "The wallet's id for its user (URL-encoded)."), ("partner_id" = PartnerId, Path, description = "The partner's id.")),
    responses(
        (status = 204, description = "The grant is revoked."),
        doc::ReadErrors,
        doc::WalletOnly,
        (status = 404, description = "`not_found`: the user has not granted this partner access.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such grant", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: `user_ref` is not 1 to 128 printable characters.", body = doc::ErrorBody,
            example = json!(doc::validation_example("user_ref", "must be 1 to 128 characters"))),
    ),
)]
pub async fn revoke(
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let (user, partner) = path.into_inner();
    let user = user_ref(&user)?;
    let partner = PartnerId::parse(&partner).map_err(|_| ApiError::not_found("grant"))?;
    if state.store.revoke(wallet, &user, partner).await? {
        // In a cluster, every node's cached copy runs out before the answer (cluster::coherence).
        state.cache_policy.outlive_cached_copies().await;
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found("grant"))
    }
}

/// `GET /v1/users/{user_ref}/grants`
#[utoipa::path(
    get,
    path = "/v1/users/{user_ref}/grants",
    tag = "users",
    operation_id = "list_grants",
    summary = "List the partners a user granted access (wallet)",
    description = "In partner id order.",
    security(("bearer" = ["wallet"])),
    params(("user_ref" = UserRef, Path, description = "The wallet's id for its user (URL-encoded)."), super::pagination::PageParams),
    responses(
        (status = 200, description = "A page of grants.", body = Page<GrantView>, example = json!(doc::page_example(vec![json!({"partner_id": doc::PARTNER_ID, "granted_at": "2026-11-22T10:15:30.123Z"})]))),
        doc::ListErrors,
        doc::WalletOnly,
        (status = 404, description = "`not_found`: the wallet has no such user.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such user", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: an invalid `user_ref`, an unknown query parameter, or an invalid `limit` or `cursor`.", body = doc::ErrorBody,
            example = json!(doc::validation_example("limit", "must be an integer from 1 to 100"))),
    ),
)]
pub async fn list_grants(
    principal: Principal,
    path: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let user = user_ref(&path)?;
    let query = Query::parse(req.query_string(), &[])?;
    let (limit, after) = (query.limit()?, query.cursor()?);
    existing_user(&state, wallet, &user).await?;
    let rows = state
        .store
        .list_grants(wallet, &user, after.as_deref(), limit + 1)
        .await?;
    let views = rows
        .into_iter()
        .map(|row| GrantView {
            partner_id: row.partner_id,
            granted_at: row.granted_at,
        })
        .collect();
    Ok(
        HttpResponse::Ok().json(Page::from_overfetch(views, limit, |g: &GrantView| {
            g.partner_id.clone()
        })),
    )
}

/// One read of a user's data by a partner.
#[derive(Serialize, ToSchema)]
struct AccessView {
    #[schema(format = "uuid", example = "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c")]
    partner_id: String,
    /// The order the partner read the data through.
    #[schema(format = "uuid", example = "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10")]
    order_id: String,
    at: Timestamp,
    #[serde(skip)]
    seq: i64,
}

/// `GET /v1/users/{user_ref}/access-log`: every partner read of the user's data, newest first.
#[utoipa::path(
    get,
    path = "/v1/users/{user_ref}/access-log",
    tag = "users",
    operation_id = "list_access_log",
    summary = "List partners' reads of a user's data (wallet)",
    description = "Every `GET /v1/orders/{id}/user` of this user's data, newest first.",
    security(("bearer" = ["wallet"])),
    params(("user_ref" = UserRef, Path, description = "The wallet's id for its user (URL-encoded)."), super::pagination::PageParams),
    responses(
        (status = 200, description = "A page of reads.", body = Page<AccessView>, example = json!(doc::page_example(vec![json!({"partner_id": doc::PARTNER_ID, "order_id": doc::ORDER_ID, "at": "2026-11-22T10:20:30.123Z"})]))),
        doc::ListErrors,
        doc::WalletOnly,
        (status = 422, description = "`validation_failed`: an invalid `user_ref`, an unknown query parameter, or an invalid `limit` or `cursor`.", body = doc::ErrorBody,
            example = json!(doc::validation_example("cursor", "is not a cursor this API issued"))),
    ),
)]
pub async fn access_log(
    principal: Principal,
    path: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let user = user_ref(&path)?;
    let query = Query::parse(req.query_string(), &[])?;
    let limit = query.limit()?;
    let before = match query.cursor()? {
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| ApiError::validation("cursor", "is not a cursor this API issued"))?,
        ),
        None => None,
    };
    let rows = state
        .store
        .access_log(wallet, &user, before, limit + 1)
        .await?;
    let views = rows
        .into_iter()
        .map(|row| AccessView {
            partner_id: row.partner_id,
            order_id: row.order_id,
            at: row.at,
            seq: row.seq,
        })
        .collect();
    Ok(
        HttpResponse::Ok().json(Page::from_overfetch(views, limit, |a: &AccessView| {
            a.seq.to_string()
        })),
    )
}

/// `GET /v1/orders/{id}/user`: the partner of the order reads the user's data while the grant
/// stands. Every read is logged for the wallet.
#[utoipa::path(
    get,
    path = "/v1/orders/{id}/user",
    tag = "orders",
    operation_id = "get_order_user",
    summary = "Read the data of an order's user (partner of the order)",
    description = "The user's data, while the user's grant to this partner stands. Every read is recorded in the wallet's access log.",
    security(("bearer" = ["partner"])),
    params(("id" = OrderId, Path, description = "The order id.")),
    responses(
        (status = 200, description = "The user.", body = doc::UserView, example = json!(user_example())),
        doc::ReadErrors,
        (status = 403, description = "`forbidden`: only a partner may call this endpoint; `access_not_granted`: the user has not granted this partner access (or revoked it, or was erased).", body = doc::ErrorBody,
            examples(
                ("forbidden" = (value = json!(doc::error_example("forbidden", "only a partner may call this endpoint", serde_json::Value::Null)))),
                ("access_not_granted" = (value = json!(doc::error_example("access_not_granted", "the user has not granted this partner access to their data", serde_json::Value::Null)))),
            )),
        (status = 404, description = "`not_found`: no such order routed to this partner.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such order", serde_json::Value::Null))),
        (status = 503, response = doc::Overloaded),
    ),
)]
pub async fn read_for_order(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let partner = principal.partner()?;
    let order_id = OrderId::parse(&path).map_err(|_| ApiError::not_found("order"))?;
    let reply = state
        .registry
        .snapshot(order_id, principal.party()?)
        .await?;
    let order = &reply.state.order;
    let (wallet, user) = (order.wallet_id, order.user_ref.clone());
    if !state.store.has_grant(wallet, &user, partner).await? {
        return Err(ApiError::access_not_granted());
    }
    // A grant cannot outlive the user (deleting a user deletes its grants).
    let row = state
        .store
        .get_user(wallet, &user)
        .await?
        .ok_or_else(ApiError::access_not_granted)?;
    state
        .store
        .record_access(wallet, &user, partner, order_id, Timestamp::now())
        .await?;
    Ok(HttpResponse::Ok().json(user_view(&user, &row)?))
}
