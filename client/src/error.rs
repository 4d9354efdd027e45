//! What can go wrong: the server's error envelope as a typed value, or the trip there.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;

/// The contract's error codes: the server's own type (`rampflow_actors::model::ErrorCode`).
pub use rampflow_actors::model::ErrorCode;

/// Any failure of a call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with a non-2xx status and its error envelope (boxed: it is the
    /// large variant, and `Result<_, Error>` stays small).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request never got an answer (refused, reset, timed out), after the retries the
    /// [`RetryPolicy`](crate::RetryPolicy) allows.
    #[error("request to rampflow failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// A 2xx answer whose body is not what the contract promises.
    #[error("rampflow answered {status} with a body the client cannot read: {source}")]
    Decode {
        status: StatusCode,
        request_id: Option<String>,
        #[source]
        source: serde_json::Error,
    },
    /// The client was given something it cannot send (a bad base URL, a key that is not a
    /// valid header value).
    #[error("invalid client input: {0}")]
    Input(String),
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Error {
        Error::Api(Box::new(error))
    }
}

impl Error {
    /// The API error code, when the server answered with one this version knows.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api(e) => e.code,
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A non-2xx answer: `{"error": {"code", "message", "details"}}` with the HTTP status and the
/// `x-request-id` the server gave it (quote it to the operator).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ApiError {
    pub status: StatusCode,
    /// The envelope's `code`; `None` for a code this version does not know yet (it is kept
    /// in `raw_code`), or when the answer had no envelope.
    pub code: Option<ErrorCode>,
    /// The envelope's `code` as sent, never lost; `http_<status>` when there was no envelope.
    pub raw_code: String,
    pub message: String,
    /// `details` of the envelope (`{"field", "reason"}` on 422, `{"status"}` on 409
    /// `invalid_transition`), `Value::Null` when absent.
    pub details: Value,
    pub request_id: Option<String>,
    /// `Retry-After` of a 429 or 503.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.raw_code,
            self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl ApiError {
    /// `details.field` of a 422.
    pub fn field(&self) -> Option<&str> {
        self.details.get("field").and_then(Value::as_str)
    }

    /// `details.reason` of a 422 (`"no_partner"` on a quote nobody can serve).
    pub fn reason(&self) -> Option<&str> {
        self.details.get("reason").and_then(Value::as_str)
    }

    /// Builds the error from an answer's status, headers and body. A body that is not the
    /// envelope (a proxy's HTML page, say) keeps the status, with no code.
    pub(crate) fn from_parts(
        status: StatusCode,
        request_id: Option<String>,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> ApiError {
        #[derive(Deserialize)]
        struct Envelope {
            error: Inner,
        }
        #[derive(Deserialize)]
        struct Inner {
            code: String,
            message: String,
            #[serde(default)]
            details: Value,
        }
        match serde_json::from_slice::<Envelope>(body) {
            Ok(Envelope { error }) => ApiError {
                status,
                code: ErrorCode::parse(&error.code),
                raw_code: error.code,
                message: error.message,
                details: error.details,
                request_id,
                retry_after,
            },
            Err(_) => ApiError {
                status,
                code: None,
                raw_code: format!("http_{}", status.as_u16()),
                message: String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned(),
                details: Value::Null,
                request_id,
                retry_after,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_becomes_a_typed_error() {
        let body = br#"{"error":{"code":"invalid_transition","message":"order is completed; cannot accept","details":{"status":"completed"}}}"#;
        let e = ApiError::from_parts(StatusCode::CONFLICT, Some("r-1".into()), None, body);
        assert_eq!(e.code, Some(ErrorCode::InvalidTransition));
        assert_eq!(e.details["status"], "completed");
        assert_eq!(
            e.to_string(),
            "409 invalid_transition: order is completed; cannot accept (request r-1)"
        );
    }

    #[test]
    fn unknown_codes_and_foreign_bodies_are_kept() {
        let body = br#"{"error":{"code":"teapot","message":"short and stout","details":null}}"#;
        let e = ApiError::from_parts(StatusCode::IM_A_TEAPOT, None, None, body);
        assert_eq!((e.code, e.raw_code.as_str()), (None, "teapot"));
        assert_eq!(e.to_string(), "418 teapot: short and stout");
        let e = ApiError::from_parts(StatusCode::BAD_GATEWAY, None, None, b"<html>");
        assert_eq!((e.code, e.raw_code.as_str()), (None, "http_502"));
        assert_eq!(e.message, "<html>");
    }
}
