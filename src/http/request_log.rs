//! One span per request, carrying its request id: taken from `x-request-id` when the client
//! sent a sensible one, generated otherwise, and echoed in the response. Handlers record the
//! order id on the span, so the closing log line of an order request names both.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Client-chosen ids are kept only if they are short, visible ASCII: they end up in logs.
fn client_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let sensible =
        !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic());
    sensible.then(|| value.to_owned())
}

pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = client_request_id(&req).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = %route,
        order_id = tracing::field::Empty,
    );
    let started = Instant::now();
    // The request must not be cloned here: routing needs it unshared. Handler errors arrive
    // as responses already; an `Err` only comes from a failure below routing.
    async move {
        let mut response = next.call(req).await?.map_into_boxed_body();
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        tracing::info!(
            status = response.status().as_u16(),
            micros = started.elapsed().as_micros() as u64,
            "request"
        );
        Ok(response)
    }
    .instrument(span)
    .await
}

/// Names the order a request is about on the request's span (and so on its log lines).
pub fn record_order_id(id: impl std::fmt::Display) {
    tracing::Span::current().record("order_id", tracing::field::display(id));
}
