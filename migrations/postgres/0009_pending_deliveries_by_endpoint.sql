-- The pending deliveries of one endpoint (failing them when it is deleted or answers 410 Gone,
-- the pending count of each endpoint): only pending rows are ever looked up this way. The
-- index it replaces held every delivery under its state, so settling a delivery moved its
-- entry (one index write more in every recorded attempt), and it kept all of history.
--
-- `endpoint_id IS NOT NULL` is always true (the column is NOT NULL), but only a query that
-- names an endpoint implies it. Without it, a planner with no statistics took this small index
-- as the cheapest way to visit every pending row, and read all of them to find a few orders'.
DROP INDEX webhook_deliveries_by_endpoint_state;
CREATE INDEX webhook_deliveries_pending_by_endpoint ON webhook_deliveries (endpoint_id)
    WHERE state = 'pending' AND endpoint_id IS NOT NULL;
