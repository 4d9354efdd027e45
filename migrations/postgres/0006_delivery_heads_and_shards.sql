-- Webhook delivery in a cluster.
--
-- `shard`: the order's shard, so a node claims only the deliveries of the shards it serves.
-- Backfilled from order_id exactly as 0005 backfills orders.shard (the UUID's last four hex
-- digits modulo 256).
--
-- `leased_by`: the node whose claim holds the lease (`leased_until`). An outcome is recorded
-- only while its node still holds the lease, and a node that died has its leases released by
-- name, without touching any other node's.
--
-- `head`: 1 on the pending delivery with the lowest order_version of its (endpoint, order),
-- the only one that may be sent (events reach an endpoint in version order). Kept by the
-- writes that change which delivery that is (fan-out, settling an attempt, redelivery), so a
-- claim reads one index instead of looking for an earlier pending version of every row.
ALTER TABLE webhook_deliveries ADD COLUMN shard BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN leased_by TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN head BIGINT NOT NULL DEFAULT 0;

UPDATE webhook_deliveries SET shard = ('x' || substr(order_id, 33, 4))::bit(16)::int % 256;

UPDATE webhook_deliveries SET head = 1
WHERE state = 'pending' AND NOT EXISTS (
    SELECT 1 FROM webhook_deliveries p
    WHERE p.endpoint_id = webhook_deliveries.endpoint_id
      AND p.order_id = webhook_deliveries.order_id
      AND p.state = 'pending' AND p.order_version < webhook_deliveries.order_version);

-- The claim: ready deliveries by due time. Only the heads are in it, so a long queue behind
-- one order (or a backlog of settled history) costs the claim nothing.
CREATE INDEX webhook_deliveries_ready ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending' AND head = 1;
-- The pending deliveries of an order, by endpoint and version: finding a new event's place in
-- its queues, the next head once one settles, and the pending count for metrics.
CREATE INDEX webhook_deliveries_pending_by_order
    ON webhook_deliveries (order_id, endpoint_id, order_version) WHERE state = 'pending';
-- Releasing the leases of nodes that died. Only leased rows are in it.
CREATE INDEX webhook_deliveries_leased_by ON webhook_deliveries (leased_by)
    WHERE leased_by IS NOT NULL;

-- The old claim's indexes: due deliveries of every head and non-head, and the per-order
-- lookup its anti-join needed (the partial index above serves what is left of that).
DROP INDEX webhook_deliveries_due;
DROP INDEX webhook_deliveries_per_order;
