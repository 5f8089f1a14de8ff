// The raw pipeline: the connector, mapper, store and publisher code of a sync in a plain loop, without Temporal.
// The benchmark's baseline, and the body of the BullMQ peer's chunk job.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ActivityDeps } from '../activities/deps';
import { STRICT_POLICY } from '../connectors/outbound';
import { createConnectorRegistry } from '../connectors/registry';
import { RedisEventBus } from '../events/redis-bus';
import { setEventValidation } from '../events/envelope';
import { Keyring } from '../security/keyring';
import { createDb } from '../store/db';
import { runPageLoop } from '../activities/page-loop';
import { processPage } from '../activities/sync-page';
import { openEntityPipeline, type SyncTaskRef } from '../activities/sync-pipeline';
import { setTimeout as sleep } from 'node:timers/promises';
import { addCounters, BULK_CHECK_FIRST_MS, emptyCounters, nextBulkCheckWait, type SyncCounters } from '../contracts/sync';
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
  const context = { config: pipeline.config, credentials, policy: deps.outboundPolicy ?? STRICT_POLICY };
  // From the beginning, as the workflow does: the provider's bulk export when it has one, checked on the same schedule.
  const bulk = pipeline.connector.bulkExport;
  const started = cursor === null && bulk ? await bulk.start(context, { entityType, since: null }) : null;
  if (started && bulk) {
    for (let wait = BULK_CHECK_FIRST_MS; ; wait = nextBulkCheckWait(wait)) {
      await sleep(wait);
      const status = await bulk.check(context, started.operationId);
      if (status.status === 'running') continue;
      if (status.cursor === null) return { cursor: null, done: true, counters };
      cursor = status.cursor;
      break;
    }
  }
  const result = await runPageLoop({
    cursor,
    maxRecords,
    deadline: Infinity,
    fetch: (from) =>
      pipeline.connector.fetchPage(context, { entityType, cursor: from, since: null }),
    commit: async (page, from) => {
      counters = addCounters(counters, await processPage(pipeline.page(from ?? 'first'), page.records));
      await saveCursor(deps.db, ref.integrationId, entityType, ref.syncTaskId, page.nextCursor);
    },
  });
  return { ...result, counters };
}

/** What a pipeline process outside the worker (the raw one, the BullMQ peer) is told through its environment. */
export interface PipelineEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  ENCRYPTION_KEY: string;
  EVENT_STREAM_MAXLEN?: string;
}

/** A worker's activity dependencies, built the way workers/main.ts builds them (without pacing: no provider limit here). */
export function pipelineDeps(env: PipelineEnv): ActivityDeps & { close(): Promise<void> } {
  // As a worker runs it: events checked against the catalogue only when EVENT_VALIDATION says so.
  setEventValidation(process.env.EVENT_VALIDATION === 'true');
  const db = createDb(env.DATABASE_URL);
  const bus = new RedisEventBus({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, stream: 'events', streamMaxLen: Number(env.EVENT_STREAM_MAXLEN ?? 100_000), liveFeedMaxLen: 10_000 });
  return {
    db,
    bus,
    connectors: createConnectorRegistry(),
    clock: () => new Date(),
    keyring: new Keyring(Buffer.from(env.ENCRYPTION_KEY, 'hex')),
    batchThreshold: 100,
    tokenRefreshMarginMs: 0,
    outboundPolicy: { allowInsecure: true, allowedCidrs: [] },
    close: async () => {
      await bus.close();
      await db.end();
    },
  };
}

/**
 * The raw pipeline in a fresh process of its own, as the worker and the BullMQ peer run in theirs, so none of them
 * pays for the benchmark's own heap. Returns the milliseconds of the loop alone and its counters.
 */
/** `cpuMs`: the raw process's own CPU time, start-up included (it exits after the one sync). */
export async function runRawInProcess(env: PipelineEnv, ref: SyncTaskRef, entityType: string): Promise<{ ms: number; cpuMs: number; counters: SyncCounters }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', __filename], {
    env: { ...process.env, ...env, RAW_REF: JSON.stringify({ ref, entityType }) },
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number; cpuMs: number; counters: SyncCounters };
}

if (require.main === module) {
  void (async () => {
    const { ref, entityType } = JSON.parse(process.env.RAW_REF!) as { ref: SyncTaskRef; entityType: string };
    const deps = pipelineDeps(process.env as unknown as PipelineEnv);
    const started = process.hrtime.bigint();
    const { counters } = await runPages(deps, ref, entityType, null);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await deps.close();
    const cpu = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, counters })}\n`);
  })();
}
