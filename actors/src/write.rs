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

/// The order's document inside an event payload [`write_for`] made, exactly as it was encoded
/// (a create's idempotency record answers replays with it). `None` for anything else.
pub fn document_in_event_payload(payload: &str) -> Option<&str> {
    // The type and the timestamp before it hold no quote, so the first `,"data":` is the key.
    const KEY: &str = r#","data":"#;
    let start = payload.find(KEY)? + KEY.len();
    payload.strip_suffix('}')?.get(start..)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::Timestamp;
    use crate::order::decide_tests::new_order;
    use crate::order::{open, Direction};

    #[test]
    fn the_document_comes_back_out_of_the_event_payload_byte_for_byte() {
        let change = open(
            new_order(Direction::Offramp),
            Timestamp::now(),
            Duration::from_secs(60),
        );
        let write = write_for(change, 0, None);
        assert_eq!(
            document_in_event_payload(&write.event_payload),
            Some(&*write.document)
        );
        assert_eq!(document_in_event_payload("{}"), None);
        assert_eq!(document_in_event_payload(r#"{"type":"x","data":"#), None);
    }
}
