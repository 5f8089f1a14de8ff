-- Tenancy: every row below belongs to exactly one tenant and every query filters on it.
CREATE TABLE tenants (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  key_hash    text NOT NULL UNIQUE,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE integrations (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id              text NOT NULL,
  provider               text NOT NULL,
  name                   text NOT NULL,
  config                 jsonb NOT NULL DEFAULT '{}',
  status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  pause_reason           text,
  sync_interval_seconds  integer NOT NULL DEFAULT 3600 CHECK (sync_interval_seconds > 0),
  next_sync_at           timestamptz,
  last_sync_at           timestamptz,
  last_sync_status       text,
  last_sync_finished_at  timestamptz,
  last_sync_error        text,
  last_sync_counts       jsonb,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integrations_tenant_idx ON integrations (tenant_id, created_at, id);
-- The due-sync check reads only this index.
CREATE INDEX integrations_due_idx ON integrations (next_sync_at, id) WHERE status = 'active';

-- Secrets are AES-256-GCM ciphertext; only the activity that calls the provider decrypts them.
CREATE TABLE connections (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  integration_id     uuid NOT NULL UNIQUE REFERENCES integrations (id) ON DELETE CASCADE,
  tenant_id          text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('oauth2', 'api_key')),
  secrets            bytea NOT NULL,
  -- Which ENCRYPTION_KEY sealed `secrets`, so keys can rotate without a flag day.
  secrets_key_id     text NOT NULL,
  token_url          text,
  expires_at         timestamptz,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'refresh_failing', 'reauth_required')),
  last_refreshed_at  timestamptz,
  last_error         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connections_expiring_idx ON connections (expires_at) WHERE kind = 'oauth2' AND status <> 'reauth_required';

CREATE TABLE field_mappings (
  integration_id  uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  entity_type     text NOT NULL,
  tenant_id       text NOT NULL,
  mapping         jsonb NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (integration_id, entity_type)
);

-- Per integration and entity type: the cursor of the sync in progress (resume point) and the high-water mark
-- of the last completed pass (where an incremental sync starts).
CREATE TABLE sync_checkpoints (
  integration_id   uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  entity_type      text NOT NULL,
  sync_task_id     text,
  cursor           text,
  watermark        text,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (integration_id, entity_type)
);

CREATE TABLE shards (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id       text NOT NULL,
  integration_id  uuid NOT NULL,
  entity_type     text NOT NULL,
  external_id     text NOT NULL,
  data            jsonb NOT NULL,
  content_hash    text NOT NULL,
  -- The sync task that last changed the row and how: a retried chunk reports (and re-announces) the same outcome.
  sync_task_id    text NOT NULL,
  last_change     text NOT NULL CHECK (last_change IN ('created', 'updated')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, integration_id, entity_type, external_id)
);

CREATE TABLE dead_letters (
  id              bigserial PRIMARY KEY,
  tenant_id       text NOT NULL,
  integration_id  uuid NOT NULL,
  sync_task_id    text NOT NULL,
  entity_type     text NOT NULL,
  external_id     text,
  raw             jsonb NOT NULL,
  error           text NOT NULL,
  attempts        integer NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  replayed_at     timestamptz,
  UNIQUE (sync_task_id, entity_type, external_id)
);
CREATE INDEX dead_letters_integration_idx ON dead_letters (tenant_id, integration_id, created_at);

-- Webhook deliveries already accepted, by the provider's delivery id, so a redelivery starts nothing twice.
CREATE TABLE webhook_deliveries (
  provider        text NOT NULL,
  delivery_id     text NOT NULL,
  integration_id  uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, delivery_id)
);
