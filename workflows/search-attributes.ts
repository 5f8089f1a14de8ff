// Search attributes the workflows set, so operators can filter syncs in the Temporal UI and `temporal workflow list`.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const IntegrationIdKey = defineSearchAttributeKey('IntegrationId', SearchAttributeType.KEYWORD);
export const ProviderKey = defineSearchAttributeKey('Provider', SearchAttributeType.KEYWORD);
export const SyncTriggerKey = defineSearchAttributeKey('SyncTrigger', SearchAttributeType.KEYWORD);
export const SyncStatusKey = defineSearchAttributeKey('SyncStatus', SearchAttributeType.KEYWORD);

/** What `temporal server start-dev --search-attribute` and a real cluster's setup must register. */
export const SEARCH_ATTRIBUTES = [TenantIdKey, IntegrationIdKey, ProviderKey, SyncTriggerKey, SyncStatusKey].map((key) => ({
  name: key.name,
  type: 'Keyword' as const,
}));
