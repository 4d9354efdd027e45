//! A wallet's users, their grants to partners, and the partner's read of a user's data.

use actix_web::{web, HttpRequest, HttpResponse};
use rampflow_actors::model::{OrderId, PartnerId, Timestamp, UserRef, WalletId};
use serde::Serialize;
use serde_json::{Map, Value};

use super::auth::Principal;
use super::body::RawBody;
use super::error::ApiError;
use super::pagination::{Page, Query};
use super::AppState;
use crate::kyc::UserData;
use crate::store::parties::PartyKind;
use crate::store::users::UserRow;

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
pub async fn delete(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let user = user_ref(&path)?;
    if state.store.delete_user(wallet, &user).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found("user"))
    }
}

#[derive(Serialize)]
struct GrantView {
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
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found("grant"))
    }
}

/// `GET /v1/users/{user_ref}/grants`
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

#[derive(Serialize)]
struct AccessView {
    partner_id: String,
    order_id: String,
    at: Timestamp,
    #[serde(skip)]
    seq: i64,
}

/// `GET /v1/users/{user_ref}/access-log`: every partner read of the user's data, newest first.
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
