//! Fail fast while the database is unreachable.
//!
//! Every `/v1` request passes this gate. While the database breaker is open (see
//! `store::health`) it is answered at once with 503 `database_unavailable` and `Retry-After`,
//! without touching the database. A request already in flight when the breaker opens is cut
//! short the same way, so no client waits on a dead connection: a read gets
//! `database_unavailable`; a write gets `commit_unknown`, because it may have reached a commit
//! whose outcome nobody can know yet (retrying it is safe).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error, ResponseError};

use super::error::ApiError;
use super::AppState;

pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(breaker) = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.store.breaker().clone())
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if breaker.is_open() {
        return Ok(refuse(req, ApiError::database_unavailable()));
    }
    let reads_only = matches!(*req.method(), Method::GET | Method::HEAD);
    tokio::select! {
        biased;
        response = next.call(req) => Ok(response?.map_into_boxed_body()),
        // The request was handed on (routing needs it unshared, so no copy is kept here): the
        // answer goes back as an error, which actix turns into the same enveloped response.
        () = breaker.opened() => Err(if reads_only {
            ApiError::database_unavailable()
        } else {
            ApiError::commit_unknown()
        }
        .into()),
    }
}

fn refuse(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(error.error_response())
}
