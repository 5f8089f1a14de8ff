// The raw pipeline: the connector, mapper, store and publisher code of a sync in a plain loop, without Temporal.
// The benchmark's baseline, and the body of the BullMQ peer's chunk job.
import type { ActivityDeps } from '../activities/deps';
import { runPageLoop } from '../activities/page-loop';
import { processPage } from '../activities/sync-page';
import { openEntityPipeline, type SyncTaskRef } from '../activities/sync-pipeline';
import { addCounters, emptyCounters, type SyncCounters } from '../contracts/sync';
import { getConnectionOfIntegration } from '../store/connections';
import { saveCursor } from '../store/checkpoints';

export interface PagesResult {
  cursor: string | null;
  done: boolean;
  counters: SyncCounters;
}

/** Fetches and processes pages from `cursor` until the provider has no more or `maxRecords` were fetched. */
export async function runPages(deps: ActivityDeps, ref: SyncTaskRef, entityType: string, cursor: string | null, maxRecords = Infinity): Promise<PagesResult> {
  const pipeline = await openEntityPipeline(deps, ref, entityType);
  const connection = await getConnectionOfIntegration(deps.db, deps.keyring, ref.tenantId, ref.integrationId);
  const credentials = (connection?.secrets ?? {}) as Record<string, string>;
  let counters = emptyCounters();
  const result = await runPageLoop({
    cursor,
    maxRecords,
    deadline: Infinity,
    fetch: (from) =>
      pipeline.connector.fetchPage({ config: pipeline.config, credentials, allowInsecureUrls: deps.allowInsecureProviderUrls ?? false }, { entityType, cursor: from, since: null }),
    commit: async (page, from) => {
      counters = addCounters(counters, await processPage(pipeline.page(from ?? 'first'), page.records));
      await saveCursor(deps.db, ref.integrationId, entityType, ref.syncTaskId, page.nextCursor);
    },
  });
  return { ...result, counters };
}
