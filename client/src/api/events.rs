//! Webhook endpoints and the events sent to them (wallet or partner).

use futures::Stream;
use rampflow_actors::model::{EventId, OrderId, Timestamp};
use rampflow_actors::order::{EventType, Order};
use serde::{Deserialize, Serialize};

use crate::client::{Call, IdempotencyKey, Page, PageRequest};
use crate::{Client, Error};

/// `POST /v1/webhook-endpoints`. Without `event_types`, every event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateEndpoint {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<EventType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CreateEndpoint {
    pub fn new(url: impl Into<String>) -> CreateEndpoint {
        CreateEndpoint {
            url: url.into(),
            event_types: None,
            description: None,
        }
    }
}

/// A webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub event_types: Option<Vec<EventType>>,
    pub description: Option<String>,
    pub disabled: bool,
    pub created_at: Timestamp,
}

/// A new endpoint with its signing secret (`whsec_…`), shown once: give it to
/// [`Webhook::new`](crate::Webhook::new).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    pub secret: String,
}

/// A rotated secret: the old one keeps signing beside it until `previous_secret_expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedSecret {
    pub id: String,
    pub secret: String,
    pub previous_secret_expires_at: Timestamp,
}

/// How the caller's deliveries of an event stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    pub fn as_str(&self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }
}

/// The body of a webhook: `{"type", "timestamp", "data": <order>}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub timestamp: Timestamp,
    pub data: Order,
}

/// An event as `GET /v1/events` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub id: EventId,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub order_id: OrderId,
    pub order_version: u64,
    pub created_at: Timestamp,
    pub payload: Payload,
    pub delivery: Option<DeliveryState>,
}

/// `GET /v1/events/{id}`: the event and the caller's deliveries of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventWithDeliveries {
    #[serde(flatten)]
    pub event: EventRecord,
    pub deliveries: Vec<Delivery>,
}

/// One endpoint's delivery of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub endpoint_id: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub next_attempt_at: Option<Timestamp>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub attempts_log: Vec<Attempt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub attempted_at: Timestamp,
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// `POST /v1/events/{id}/redeliver` → 202.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redelivery {
    pub event_id: EventId,
    pub deliveries: u32,
}

/// Which events to list (`GET /v1/events`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub order_id: Option<OrderId>,
    pub event_type: Option<EventType>,
    pub delivery: Option<DeliveryState>,
}

impl EventFilter {
    fn call(&self) -> Call {
        Call::get(&["v1", "events"])
            .query("order_id", self.order_id)
            .query("type", self.event_type.map(|t| t.as_str()))
            .query("delivery", self.delivery.map(|d| d.as_str()))
    }
}

impl Client {
    /// `POST /v1/webhook-endpoints` (wallet or partner).
    pub async fn create_endpoint(
        &self,
        endpoint: &CreateEndpoint,
    ) -> Result<CreatedEndpoint, Error> {
        self.create_endpoint_with_key(endpoint, None).await
    }

    /// [`Client::create_endpoint`] with an `Idempotency-Key` of your own.
    pub async fn create_endpoint_with_key(
        &self,
        endpoint: &CreateEndpoint,
        key: Option<IdempotencyKey>,
    ) -> Result<CreatedEndpoint, Error> {
        self.json(Call::create(&["v1", "webhook-endpoints"], endpoint, key))
            .await
    }

    /// `GET /v1/webhook-endpoints` (wallet or partner), one page.
    pub async fn list_endpoints(&self, page: &PageRequest) -> Result<Page<Endpoint>, Error> {
        self.json(Call::get(&["v1", "webhook-endpoints"]).page(page))
            .await
    }

    /// Every endpoint of the caller, following cursors.
    pub fn endpoints(&self) -> impl Stream<Item = Result<Endpoint, Error>> + Send {
        self.paginate(Call::get(&["v1", "webhook-endpoints"]))
    }

    /// `DELETE /v1/webhook-endpoints/{id}`.
    pub async fn delete_endpoint(&self, id: &str) -> Result<(), Error> {
        self.empty(Call::delete(&["v1", "webhook-endpoints", id]))
            .await
    }

    /// `POST /v1/webhook-endpoints/{id}/rotate-secret`: not retried after a failure in
    /// flight (a second rotation would answer another secret).
    pub async fn rotate_endpoint_secret(&self, id: &str) -> Result<RotatedSecret, Error> {
        self.json(Call::action(&[
            "v1",
            "webhook-endpoints",
            id,
            "rotate-secret",
        ]))
        .await
    }

    /// `GET /v1/events` (wallet or partner: the events of its orders), one page.
    pub async fn list_events(
        &self,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<EventRecord>, Error> {
        self.json(filter.call().page(page)).await
    }

    /// Every event that `filter` matches, following cursors.
    pub fn events(
        &self,
        filter: &EventFilter,
    ) -> impl Stream<Item = Result<EventRecord, Error>> + Send {
        self.paginate(filter.call())
    }

    /// `GET /v1/events/{id}` with the caller's deliveries and their attempts.
    pub async fn get_event(&self, id: &EventId) -> Result<EventWithDeliveries, Error> {
        let id = id.to_string();
        self.json(Call::get(&["v1", "events", &id])).await
    }

    /// `POST /v1/events/{id}/redeliver` → 202: sends the event again to the caller's
    /// endpoints.
    pub async fn redeliver_event(&self, id: &EventId) -> Result<Redelivery, Error> {
        let id = id.to_string();
        self.json(Call::action(&["v1", "events", &id, "redeliver"]))
            .await
    }
}
