// What one entity type's records go through (connector, merged field mapping, internal schema), shared by the sync
// activities and the benchmark's raw pipeline so both run exactly the same code.
import { invalidConfig } from '../connectors/errors';
import type { Connector } from '../connectors/types';
import { mergeMappings } from '../mapping/field-mapping';
import { entitySchemas } from '../mapping/entities';
import { getFieldMapping } from '../store/field-mappings';
import { findIntegration } from '../store/integrations';
import type { ActivityDeps } from './deps';
import type { PageContext } from './sync-page';

export interface SyncTaskRef {
  integrationId: string;
  tenantId: string;
  syncTaskId: string;
  correlationId: string;
}

export interface EntityPipeline extends Pick<PageContext, 'connector' | 'mapping' | 'schema'> {
  config: Record<string, unknown>;
  /** The context `processPage` needs for the page fetched with cursor `pageKey`. */
  page(pageKey: string, options?: Pick<PageContext, 'rawMode' | 'filters'>): PageContext;
}

/** The integration's connector and config; a missing or paused integration is a non-retryable configuration error. */
export async function loadIntegration(deps: Pick<ActivityDeps, 'db' | 'connectors'>, ref: { tenantId: string; integrationId: string }): Promise<{ connector: Connector; config: Record<string, unknown> }> {
  const integration = await findIntegration(deps.db, ref.tenantId, ref.integrationId);
  if (!integration) throw invalidConfig(`integration ${ref.integrationId} not found for tenant ${ref.tenantId}`);
  if (integration.status === 'paused') throw invalidConfig(`integration ${ref.integrationId} is paused: ${integration.pauseReason ?? 'no reason given'}`);
  const connector = deps.connectors.get(integration.provider);
  if (!connector) throw invalidConfig(`no connector for provider "${integration.provider}"`);
  return { connector, config: integration.config };
}

export async function openEntityPipeline(deps: ActivityDeps, ref: SyncTaskRef, entityType: string): Promise<EntityPipeline> {
  const { connector, config } = await loadIntegration(deps, ref);
  const schema = entitySchemas[entityType];
  if (!schema) throw invalidConfig(`no internal schema for entity type ${entityType}`);
  const mapping = mergeMappings(connector.defaultMappings[entityType], await getFieldMapping(deps.db, ref.tenantId, ref.integrationId, entityType));
  return {
    connector,
    config,
    mapping,
    schema,
    page: (pageKey, options = {}) => ({
      ...options,
      db: deps.db,
      bus: deps.bus,
      connector,
      mapping,
      schema,
      batchThreshold: deps.batchThreshold,
      tenantId: ref.tenantId,
      integrationId: ref.integrationId,
      entityType,
      syncTaskId: ref.syncTaskId,
      correlationId: ref.correlationId,
      pageKey,
      now: deps.clock,
    }),
  };
}
