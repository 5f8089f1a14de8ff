-- The housekeeping schedule deletes deliveries older than the retention, oldest first.
CREATE INDEX webhook_deliveries_received_at_idx ON webhook_deliveries (received_at);
