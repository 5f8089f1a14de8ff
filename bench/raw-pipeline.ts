// The raw pipeline: the connector, mapper, store and publisher code of a sync in a plain loop, without Temporal.
// The benchmark's baseline, and the body of the BullMQ peer's chunk job.
import type { ActivityDeps } from '../activities/deps';
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
  let done = false;
  while (!done && counters.recordsFetched < maxRecords) {
    const page = await pipeline.connector.fetchPage(
      { config: pipeline.config, credentials, allowInsecureUrls: deps.allowInsecureProviderUrls ?? false },
      { entityType, cursor, since: null },
    );
    counters = addCounters(counters, await processPage(pipeline.page(cursor ?? 'first'), page.records));
    cursor = page.nextCursor;
    done = cursor === null;
    await saveCursor(deps.db, ref.integrationId, entityType, ref.syncTaskId, cursor);
  }
  return { cursor, done, counters };
}
