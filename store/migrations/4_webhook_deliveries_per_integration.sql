-- Deliveries are told apart per integration: one tenant's delivery id must not make another's look like a duplicate.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_pkey;
ALTER TABLE webhook_deliveries ADD PRIMARY KEY (integration_id, delivery_id);
