//! Forwarding: a command for an order another node owns is passed to that node, as received,
//! over a keep-alive connection, and its answer is passed back unchanged. So any node answers
//! any request and an ordinary load balancer can sit in front.
//!
//! - Only commands (`POST /v1/orders/{id}/…`) are forwarded. Reads are served from the
//!   database by whichever node gets them: that is the committed state, and asking the owner
//!   would only add a hop.
//! - Loop-safe: a forwarded request carries `x-rampflow-forwarded-by`, and a node never
//!   forwards such a request again; if it does not serve the order either (the shard moved
//!   meanwhile), it answers 503 with `Retry-After` and the client's retry finds the new owner.
//! - An owner that cannot be reached (it is dying, and its lease has not run out yet) is a 503
//!   with `Retry-After` too. A command is safe to retry (the same command on an order already
//!   moved by it answers 200 with the order as it is), so the client loses nothing.

use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{HttpResponse, ResponseError};
use futures::StreamExt;
use rampflow_actors::model::OrderId;

use super::Route;
use crate::http::error::ApiError;
use crate::http::AppState;

/// Marks a request one node forwarded to another; its value is the forwarding node's id.
pub const FORWARDED_BY: &str = "x-rampflow-forwarded-by";

/// The keep-alive client requests are forwarded with.
pub struct Forwarder {
    client: reqwest::Client,
}

impl Forwarder {
    pub fn new(timeout: Duration) -> Forwarder {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(2))
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .no_proxy()
            .build()
            .expect("a plain HTTP client builds");
        Forwarder { client }
    }
}

/// Middleware on `/v1/orders/{id}`: serves here what this node owns, forwards the commands
/// of orders another node owns, and answers 503 while nobody serves the order's shard.
pub async fn to_owner(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let serve_here = |req: ServiceRequest, next: Next<_>| async move {
        next.call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body)
    };
    if req.method() != Method::POST {
        return serve_here(req, next).await;
    }
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return serve_here(req, next).await;
    };
    let Some(order) = req
        .match_info()
        .get("id")
        .and_then(|id| OrderId::parse(id).ok())
    else {
        return serve_here(req, next).await; // the handler answers 404
    };
    let route = state.cluster.route(order);
    let address = match route {
        Route::Local => return serve_here(req, next).await,
        Route::Forward(address) if !req.headers().contains_key(FORWARDED_BY) => address,
        Route::Forward(_) | Route::Unavailable => {
            super::instruments::forwarded("unavailable", None);
            return Ok(req.into_response(ApiError::shard_unavailable().error_response()));
        }
    };
    // A body over the limit is not forwarded: the handler here answers 401, 403 or 413, in
    // the same order as everywhere else.
    let limit = state.settings.http.max_body_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return serve_here(req, next).await;
    }
    let (http_request, mut payload) = req.into_parts();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            let error = ApiError::malformed("could not read the request body");
            return Ok(ServiceResponse::new(http_request, error.error_response()));
        };
        if body.len() + chunk.len() > limit {
            let error = ApiError::payload_too_large(limit);
            return Ok(ServiceResponse::new(http_request, error.error_response()));
        }
        body.extend_from_slice(&chunk);
    }
    let response = forward(&state, &address, &http_request, body.freeze()).await;
    Ok(ServiceResponse::new(http_request, response))
}

/// Headers that belong to one connection, not to the request or the answer (RFC 9110 §7.6.1),
/// and the length, which the client sets again.
fn passes_through(name: &str) -> bool {
    !matches!(
        name,
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

async fn forward(
    state: &AppState,
    address: &str,
    request: &actix_web::HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let started = Instant::now();
    let url = format!("http://{address}{}", request.uri());
    // actix-web and reqwest use different versions of the `http` types: cross by bytes.
    let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes())
        .expect("an HTTP method is a valid HTTP method");
    let mut outgoing = state
        .cluster
        .forwarder()
        .client
        .request(method, url)
        .header(FORWARDED_BY, state.cluster.node())
        .body(body);
    for (name, value) in request.headers() {
        if passes_through(name.as_str()) {
            outgoing = outgoing.header(name.as_str(), value.as_bytes());
        }
    }
    let answer = match outgoing.send().await {
        Ok(answer) => answer,
        Err(error) => {
            tracing::warn!(%address, error = %error, "could not forward a request to the order's owner");
            super::instruments::forwarded("unreachable", None);
            return ApiError::shard_unavailable().error_response();
        }
    };
    let status = actix_web::http::StatusCode::from_u16(answer.status().as_u16())
        .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY);
    let mut response = HttpResponse::build(status);
    for (name, value) in answer.headers() {
        if let (true, Ok(value)) = (
            passes_through(name.as_str()),
            header::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            response.append_header((name.as_str(), value));
        }
    }
    match answer.bytes().await {
        Ok(bytes) => {
            super::instruments::forwarded("ok", Some(started.elapsed()));
            response.body(bytes)
        }
        Err(error) => {
            tracing::warn!(%address, error = %error, "the order's owner did not finish its answer");
            super::instruments::forwarded("unreachable", None);
            ApiError::shard_unavailable().error_response()
        }
    }
}
