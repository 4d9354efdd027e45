-- A create's idempotency record no longer copies the response: the response is the order's
-- document as its `order.created` event (version 1) holds it, so the record names the order
-- and keeps an empty `body`. Records of other requests keep their body and no order.
ALTER TABLE idempotency_keys ADD COLUMN order_id TEXT;
