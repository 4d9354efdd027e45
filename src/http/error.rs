//! The error envelope of API.md § Errors, used for every non-2xx response.

use std::fmt;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use rampflow_actors::breaker;
use rampflow_actors::order::{Rejection, ReplyError};
use rampflow_actors::store::{StoreError, StoreErrorKind};
use serde_json::{json, Value};

/// An error a client sees: a status, a stable code, a message and optional details. Internal
/// causes are logged, never sent.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<Value>,
    retry_after_secs: Option<u32>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after_secs: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// With a `Retry-After` of `secs` seconds.
    fn with_retry_after(mut self, secs: u32) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_request", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or unknown API key; send Authorization: Bearer <key>",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn access_not_granted() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "access_not_granted",
            "the user has not granted this partner access to their data",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this method is not allowed on this path",
        )
    }

    pub fn idempotency_conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "idempotency_conflict", message)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than {limit} bytes"),
        )
        .with_details(json!({ "limit_bytes": limit }))
    }

    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let (field, reason) = (field.into(), reason.into());
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("{field}: {reason}"),
        )
        .with_details(json!({ "field": field, "reason": reason }))
    }

    pub fn rate_limited(retry_after: std::time::Duration) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests for this key; retry after the delay in Retry-After",
        )
        .with_retry_after(retry_after.as_secs_f64().ceil().max(1.0) as u32)
    }

    pub fn overloaded() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is at capacity; retry after the delay in Retry-After",
        )
        .with_retry_after(1)
    }

    /// The node is stopping (SIGTERM): its order actors have been passivated and it takes no
    /// more order work. An `overloaded` for clients: nothing was done, and a retry after the
    /// delay reaches a node that runs the order.
    pub fn stopping() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "this node is stopping; nothing was done; retry after the delay in Retry-After",
        )
        .with_retry_after(1)
    }

    /// The order's shard has no node serving it right now: it is moving between nodes, or
    /// its owner cannot be reached. Nothing was done; any node can take the retry.
    pub fn shard_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shard_unavailable",
            "this order is moving between nodes of the cluster; retry after the delay in Retry-After",
        )
        .with_retry_after(1)
    }

    /// The database cannot be reached (or, on SQLite, the disk is full): nothing was changed.
    pub fn database_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is unavailable; nothing was changed; retry after the delay in Retry-After",
        )
        .with_retry_after(breaker::RETRY_AFTER.as_secs() as u32)
    }

    /// The database became unreachable while the change was committing: it may or may not
    /// have been made. Retrying the same request is safe (a command that already took effect
    /// answers the order as it is; a create replays by its `Idempotency-Key`).
    pub fn commit_unknown() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "commit_unknown",
            "the database became unreachable while the change was being committed, so it may or may not have been made; retrying the same request is safe",
        )
        .with_retry_after(breaker::RETRY_AFTER.as_secs() as u32)
    }

    /// Logs `cause` and answers an opaque 500.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.json(json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "details": self.details.clone().unwrap_or(Value::Null),
            }
        }))
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error.kind {
            StoreErrorKind::Unavailable => {
                tracing::warn!(%error, "database unavailable");
                ApiError::database_unavailable()
            }
            StoreErrorKind::CommitUnknown => {
                tracing::warn!(%error, "commit outcome unknown");
                ApiError::commit_unknown()
            }
            StoreErrorKind::Failed | StoreErrorKind::Retryable => ApiError::internal(error),
        }
    }
}

impl From<ReplyError> for ApiError {
    fn from(error: ReplyError) -> Self {
        match error {
            ReplyError::NotFound => ApiError::not_found("order"),
            ReplyError::Forbidden => ApiError::forbidden("this role may not issue this command"),
            ReplyError::Rejected(Rejection::InvalidTransition { status, command }) => {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "invalid_transition",
                    format!(
                        "order is {}; cannot {}",
                        status.as_str(),
                        command.replace('_', "-")
                    ),
                )
                .with_details(json!({ "status": status.as_str() }))
            }
            ReplyError::Rejected(Rejection::Invalid { field, reason }) => {
                ApiError::validation(field, reason)
            }
            ReplyError::Rejected(rejection @ Rejection::NotDue { .. }) => {
                ApiError::internal(rejection)
            }
            ReplyError::Overloaded => ApiError::overloaded(),
            ReplyError::ShardUnavailable => ApiError::shard_unavailable(),
            ReplyError::Stopping => ApiError::stopping(),
            ReplyError::IdempotencyKeyTaken => ApiError::idempotency_conflict(
                "a request with this Idempotency-Key is already being processed",
            ),
            ReplyError::DatabaseUnavailable => ApiError::database_unavailable(),
            ReplyError::CommitUnknown => ApiError::commit_unknown(),
            ReplyError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

/// The safety net behind every route: actix's own errors (unknown path, wrong method, a
/// payload error, a panic turned 500) come without our envelope; give them one. Responses that
/// already are JSON are ours and pass untouched.
pub fn envelope_for_bare_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::new(status, "not_found", "no such path"),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(status, "payload_too_large", "request body is too large")
        }
        StatusCode::UNAUTHORIZED => ApiError::unauthorized(),
        StatusCode::SERVICE_UNAVAILABLE => ApiError::overloaded(),
        s if s.is_client_error() => ApiError::malformed("the request could not be understood"),
        _ => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        ),
    };
    let (req, old) = res.into_parts();
    let mut response: HttpResponse<BoxBody> = error.error_response();
    // Keep what actix set for good reason, such as `Allow` on a 405.
    if let Some(allow) = old.headers().get(header::ALLOW) {
        response.headers_mut().insert(header::ALLOW, allow.clone());
    }
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
