-- Finds the pending deliveries of one endpoint without reading its whole history.
CREATE INDEX webhook_deliveries_by_endpoint_state ON webhook_deliveries (endpoint_id, state);
