//! Receiving webhooks: verify the Standard Webhooks signature, then read a typed event.

use http::HeaderMap;
use rampflow_actors::model::Timestamp;
use rampflow_actors::order::{EventType, Order};

use crate::api::events::Payload;

/// The verifier of one endpoint's webhooks, made from the secret (`whsec_…`) the endpoint got
/// at creation or rotation. During a rotation the server signs with both secrets; a verifier
/// of either accepts the message.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use rampflow_client::{Event, Webhook};
///
/// let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// # let body = br#"{"type":"order.created"}"#;
/// # let headers = http::HeaderMap::new();
/// // In your handler, with the request's headers and its raw body (before any JSON parsing):
/// match webhook.verify(&headers, body) {
///     Ok(event) => {
///         // Deduplicate by `event.webhook_id`: a retried delivery carries the same one.
///         if let Event { data, .. } = event {
///             println!("{:?} for order {}", data.event_type(), data.order().id);
///         }
///     }
///     Err(e) => println!("refused: {e}"), // answer 400; the server retries later
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Webhook {
    inner: std::sync::Arc<standardwebhooks::Webhook>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Webhook { .. }")
    }
}

/// Why a webhook was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The secret is not a `whsec_` base64 secret.
    #[error("the webhook secret is not valid: {0}")]
    Secret(String),
    /// Missing or malformed headers, a bad signature, or a timestamp too far from now (5
    /// minutes either way): not from rampflow, or replayed.
    #[error("the webhook's signature does not verify: {0}")]
    Signature(String),
    /// Signed, but not a body this client knows how to read.
    #[error("the webhook's body is not an event: {0}")]
    Body(#[from] serde_json::Error),
}

/// A verified webhook: what happened, and the ids to process it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `webhook-id` header: the event's id, the same on every retry. Deduplicate by it.
    pub webhook_id: String,
    /// When the event happened (the body's `timestamp`).
    pub timestamp: Timestamp,
    pub data: EventData,
}

/// What happened, with the order as it is after the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventData {
    OrderCreated(Order),
    OrderAccepted(Order),
    OrderRejected(Order),
    OrderCancelled(Order),
    OrderFundsSent(Order),
    OrderDepositReminder(Order),
    OrderExpired(Order),
    OrderFundsReceived(Order),
    OrderInconsistent(Order),
    OrderCompleted(Order),
    OrderFailed(Order),
    OrderRefunded(Order),
}

impl EventData {
    fn new(event_type: EventType, order: Order) -> EventData {
        match event_type {
            EventType::Created => EventData::OrderCreated(order),
            EventType::Accepted => EventData::OrderAccepted(order),
            EventType::Rejected => EventData::OrderRejected(order),
            EventType::Cancelled => EventData::OrderCancelled(order),
            EventType::FundsSent => EventData::OrderFundsSent(order),
            EventType::DepositReminder => EventData::OrderDepositReminder(order),
            EventType::Expired => EventData::OrderExpired(order),
            EventType::FundsReceived => EventData::OrderFundsReceived(order),
            EventType::Inconsistent => EventData::OrderInconsistent(order),
            EventType::Completed => EventData::OrderCompleted(order),
            EventType::Failed => EventData::OrderFailed(order),
            EventType::Refunded => EventData::OrderRefunded(order),
        }
    }

    pub fn event_type(&self) -> EventType {
        match self {
            EventData::OrderCreated(_) => EventType::Created,
            EventData::OrderAccepted(_) => EventType::Accepted,
            EventData::OrderRejected(_) => EventType::Rejected,
            EventData::OrderCancelled(_) => EventType::Cancelled,
            EventData::OrderFundsSent(_) => EventType::FundsSent,
            EventData::OrderDepositReminder(_) => EventType::DepositReminder,
            EventData::OrderExpired(_) => EventType::Expired,
            EventData::OrderFundsReceived(_) => EventType::FundsReceived,
            EventData::OrderInconsistent(_) => EventType::Inconsistent,
            EventData::OrderCompleted(_) => EventType::Completed,
            EventData::OrderFailed(_) => EventType::Failed,
            EventData::OrderRefunded(_) => EventType::Refunded,
        }
    }

    /// The order as it is after this event (every event carries it).
    pub fn order(&self) -> &Order {
        match self {
            EventData::OrderCreated(o)
            | EventData::OrderAccepted(o)
            | EventData::OrderRejected(o)
            | EventData::OrderCancelled(o)
            | EventData::OrderFundsSent(o)
            | EventData::OrderDepositReminder(o)
            | EventData::OrderExpired(o)
            | EventData::OrderFundsReceived(o)
            | EventData::OrderInconsistent(o)
            | EventData::OrderCompleted(o)
            | EventData::OrderFailed(o)
            | EventData::OrderRefunded(o) => o,
        }
    }

    pub fn into_order(self) -> Order {
        match self {
            EventData::OrderCreated(o)
            | EventData::OrderAccepted(o)
            | EventData::OrderRejected(o)
            | EventData::OrderCancelled(o)
            | EventData::OrderFundsSent(o)
            | EventData::OrderDepositReminder(o)
            | EventData::OrderExpired(o)
            | EventData::OrderFundsReceived(o)
            | EventData::OrderInconsistent(o)
            | EventData::OrderCompleted(o)
            | EventData::OrderFailed(o)
            | EventData::OrderRefunded(o) => o,
        }
    }
}

impl Webhook {
    pub fn new(secret: &str) -> Result<Webhook, WebhookError> {
        let inner = standardwebhooks::Webhook::new(secret)
            .map_err(|e| WebhookError::Secret(e.to_string()))?;
        Ok(Webhook {
            inner: std::sync::Arc::new(inner),
        })
    }

    /// Verifies `body` (the raw bytes, as received) against the `webhook-id`,
    /// `webhook-timestamp` and `webhook-signature` headers, then reads the event.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Event, WebhookError> {
        self.inner
            .verify(body, headers)
            .map_err(|e| WebhookError::Signature(e.to_string()))?;
        let webhook_id = headers
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let payload: Payload = serde_json::from_slice(body)?;
        Ok(Event {
            webhook_id,
            timestamp: payload.timestamp,
            data: EventData::new(payload.event_type, payload.data),
        })
    }

    /// [`Webhook::verify`] for frameworks whose header map is not `http` 1.x: the three
    /// header values as strings.
    pub fn verify_parts(
        &self,
        webhook_id: &str,
        webhook_timestamp: &str,
        webhook_signature: &str,
        body: &[u8],
    ) -> Result<Event, WebhookError> {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("webhook-id", webhook_id),
            ("webhook-timestamp", webhook_timestamp),
            ("webhook-signature", webhook_signature),
        ] {
            let value = http::HeaderValue::from_str(value)
                .map_err(|_| WebhookError::Signature(format!("{name} is not a header value")))?;
            headers.insert(name, value);
        }
        self.verify(&headers, body)
    }
}
