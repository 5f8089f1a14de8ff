-- Events a worker could not hand to Redis (an outage): kept in publish order until the relay delivers them. Text,
-- not jsonb: an event's JSON goes out byte for byte as it was made.
CREATE TABLE event_outbox (
  id bigserial PRIMARY KEY,
  -- Whose order must be kept: the integration's id, or '' for events of no integration.
  order_key text NOT NULL,
  event text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_outbox_order_key_idx ON event_outbox (order_key, id);
