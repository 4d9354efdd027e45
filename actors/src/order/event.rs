use serde::{Deserialize, Serialize};

use super::Status;
use crate::model::{EventId, OrderId, Timestamp};

/// The webhook event types of API.md § Webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    #[serde(rename = "order.created")]
    Created,
    #[serde(rename = "order.accepted")]
    Accepted,
    #[serde(rename = "order.rejected")]
    Rejected,
    #[serde(rename = "order.cancelled")]
    Cancelled,
    #[serde(rename = "order.funds_sent")]
    FundsSent,
    #[serde(rename = "order.deposit_reminder")]
    DepositReminder,
    #[serde(rename = "order.expired")]
    Expired,
    #[serde(rename = "order.funds_received")]
    FundsReceived,
    #[serde(rename = "order.inconsistent")]
    Inconsistent,
    #[serde(rename = "order.completed")]
    Completed,
    #[serde(rename = "order.failed")]
    Failed,
    #[serde(rename = "order.refunded")]
    Refunded,
}

impl EventType {
    pub const ALL: [EventType; 12] = [
        EventType::Created,
        EventType::Accepted,
        EventType::Rejected,
        EventType::Cancelled,
        EventType::FundsSent,
        EventType::DepositReminder,
        EventType::Expired,
        EventType::FundsReceived,
        EventType::Inconsistent,
        EventType::Completed,
        EventType::Failed,
        EventType::Refunded,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            EventType::Created => "order.created",
            EventType::Accepted => "order.accepted",
            EventType::Rejected => "order.rejected",
            EventType::Cancelled => "order.cancelled",
            EventType::FundsSent => "order.funds_sent",
            EventType::DepositReminder => "order.deposit_reminder",
            EventType::Expired => "order.expired",
            EventType::FundsReceived => "order.funds_received",
            EventType::Inconsistent => "order.inconsistent",
            EventType::Completed => "order.completed",
            EventType::Failed => "order.failed",
            EventType::Refunded => "order.refunded",
        }
    }

    pub fn parse(text: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == text)
    }

    /// The event announcing that an order entered `status`.
    pub fn entering(status: Status) -> EventType {
        match status {
            Status::Created => EventType::Created,
            Status::Accepted => EventType::Accepted,
            Status::Rejected => EventType::Rejected,
            Status::Cancelled => EventType::Cancelled,
            Status::FundsSent => EventType::FundsSent,
            Status::FundsReceived => EventType::FundsReceived,
            Status::Inconsistent => EventType::Inconsistent,
            Status::Completed => EventType::Completed,
            Status::Failed => EventType::Failed,
            Status::Refunded => EventType::Refunded,
            Status::Expired => EventType::Expired,
        }
    }
}

/// One entry of an order's outbox: written in the same transaction as the change that caused
/// it, and delivered as a webhook. `version` is the order's version after the change, so the
/// events of one order are totally ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    pub id: EventId,
    pub order_id: OrderId,
    pub version: u64,
    pub event_type: EventType,
    pub at: Timestamp,
}
