use std::fmt;

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

// The server answers with these and `rampflow-client` reads them: one list for both.
/// The stable error codes: the `code` of the error envelope every non-2xx answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// 400: the body is not JSON, not sent as JSON, or the query string cannot be parsed.
    MalformedRequest,
    /// 401: missing or unknown key.
    Unauthorized,
    /// 403: the key's role may not call this endpoint, or this command.
    Forbidden,
    /// 403: the user has not granted this partner access to their data.
    AccessNotGranted,
    /// 404: no such resource visible to this key, or no such path.
    NotFound,
    /// 405: the path does not support this method (see `Allow`).
    MethodNotAllowed,
    /// 409: the order's status does not allow this command (`details.status`).
    InvalidTransition,
    /// 409: the Idempotency-Key was used with another request, or is in use right now.
    IdempotencyConflict,
    /// 413: the body is over the limit.
    PayloadTooLarge,
    /// 422: a field is missing or invalid (`details.field`, `details.reason`).
    ValidationFailed,
    /// 429: this key is over its rate limit (`Retry-After`).
    RateLimited,
    /// 503: back-pressure (`Retry-After`).
    Overloaded,
    /// 503: the order's shard is moving between the nodes of a cluster, or its owner cannot
    /// be reached (`Retry-After`). Retrying the same request is safe.
    ShardUnavailable,
    /// 503: the database cannot be reached (or its disk is full); nothing was changed
    /// (`Retry-After`).
    DatabaseUnavailable,
    /// 503: the database became unreachable while the change was committing, so it may or
    /// may not have been made (`Retry-After`). Retrying the same request is safe.
    CommitUnknown,
    /// 500: never carries internal detail.
    Internal,
}

impl ErrorCode {
    /// The code as the envelope writes it; `None` for a code this version does not know.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        let text: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            text.into_deserializer();
        ErrorCode::deserialize(text).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedRequest => "malformed_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::AccessNotGranted => "access_not_granted",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::IdempotencyConflict => "idempotency_conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::ShardUnavailable => "shard_unavailable",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::CommitUnknown => "commit_unknown",
            ErrorCode::Internal => "internal",
        }
    }

    /// 429 and the 503s that are answered before anything changes: sending the same request
    /// again is safe whatever it is (not `commit_unknown`: that one may have been done).
    pub fn nothing_done(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited
                | ErrorCode::Overloaded
                | ErrorCode::ShardUnavailable
                | ErrorCode::DatabaseUnavailable
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_is_the_wire_name_and_parse_reads_it_back() {
        let all = [
            ErrorCode::MalformedRequest,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::AccessNotGranted,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::InvalidTransition,
            ErrorCode::IdempotencyConflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::ValidationFailed,
            ErrorCode::RateLimited,
            ErrorCode::Overloaded,
            ErrorCode::ShardUnavailable,
            ErrorCode::DatabaseUnavailable,
            ErrorCode::CommitUnknown,
            ErrorCode::Internal,
        ];
        for code in all {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("teapot"), None);
    }
}
