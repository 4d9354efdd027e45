//! Turning a decided change into the write the journal commits.

use std::sync::Arc;

use crate::model::EventId;
use crate::order::{Change, OrderEvent};
use crate::store::{IdempotencyRecord, OrderWrite};

/// The row, the outbox event and (for creates) the idempotency record of one change. The order
/// resource is serialized once here; the event payload embeds it rather than encoding it again.
pub fn write_for(
    change: Change,
    expected_version: u64,
    idempotency: Option<IdempotencyRecord>,
) -> OrderWrite {
    let order = &change.state.order;
    let document: Arc<str> = serde_json::to_string(order)
        .expect("an order always serializes")
        .into();
    let event = OrderEvent {
        id: EventId::new(),
        order_id: order.id,
        version: order.version,
        event_type: change.event,
        at: order.updated_at,
    };
    let event_payload = format!(
        r#"{{"type":"{}","timestamp":"{}","data":{}}}"#,
        event.event_type.as_str(),
        event.at,
        document
    );
    OrderWrite {
        state: Arc::new(change.state),
        document,
        expected_version,
        event,
        event_payload,
        idempotency,
    }
}
