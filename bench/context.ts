// What every measurement of the benchmark shares: the servers, the sizes of this run, and how to seed and sync.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { syncWorkflowId, type SyncInput, type SyncState } from '../contracts/sync';
import type { IntegrationEnv, RoleOptions } from '../tests/support/integration-env';
import { createIntegration } from '../tests/support/seed';
import { integrationSync } from '../workflows';
import { FAKE_SHOP_TOKEN } from './fake-shopify-process';
import type { PipelineEnv } from './raw-pipeline';

export const TENANT = 'bench';
export const WEBHOOK_SECRET = 'bench-webhook-secret';

export interface Sizes {
  reps: number;
  /** Orders of the throughput syncs, one set of figures per size. */
  throughputRecords: number[];
  memoryRecords: [number, number];
  webhook: { seconds: number; rate: number; integrations: number };
  dueCheck: { integrations: number; duePercent: number };
  providerBound: { orders: number; maximumAvailable: number; restoreRate: number };
  backfill: { bulkOrders: number; pagedOrders: number };
  concurrent: { integrations: number; recordsEach: number };
}

export const FULL: Sizes = {
  reps: 3,
  throughputRecords: [30_000, 100_000],
  memoryRecords: [100_000, 1_000_000],
  webhook: { seconds: 30, rate: 200, integrations: 200 },
  dueCheck: { integrations: 100_000, duePercent: 1 },
  providerBound: { orders: 600, maximumAvailable: 2_000, restoreRate: 100 },
  backfill: { bulkOrders: 100_000, pagedOrders: 5_000 },
  concurrent: { integrations: 20, recordsEach: 5_000 },
};

/** Runs inside `npm test`, so that the script cannot rot: every measurement, tiny. */
export const QUICK: Sizes = {
  reps: 1,
  throughputRecords: [1_000],
  memoryRecords: [1_000, 2_000],
  webhook: { seconds: 2, rate: 20, integrations: 5 },
  dueCheck: { integrations: 1_000, duePercent: 1 },
  providerBound: { orders: 120, maximumAvailable: 2_000, restoreRate: 500 },
  backfill: { bulkOrders: 1_000, pagedOrders: 200 },
  concurrent: { integrations: 3, recordsEach: 250 },
};

export interface BenchContext {
  env: IntegrationEnv;
  sizes: Sizes;
  log(message: string): void;
}

/** A Shopify integration of the bench tenant against a fake shop, paced as the largest plan (query cost points) unless the bench wants another pace. */
export function seedShop(env: IntegrationEnv, baseUrl: string, config: Record<string, unknown> = { rateLimitPerSecond: 2_000, rateLimitBurst: 40_000 }): Promise<string> {
  return createIntegration(env.db, {
    tenantId: TENANT,
    provider: 'shopify',
    config: { baseUrl, ...config },
    secrets: { accessToken: FAKE_SHOP_TOKEN, webhookSecret: WEBHOOK_SECRET },
    encryptionKey: env.encryptionKey,
  });
}

/** How a pipeline process outside the worker (raw, BullMQ) reaches this run's database and Redis. */
export const pipelineEnvOf = (env: IntegrationEnv): PipelineEnv => ({
  DATABASE_URL: env.databaseUrl,
  REDIS_URL: env.servers.redisUrl,
  REDIS_KEY_PREFIX: env.keyPrefix,
  ENCRYPTION_KEY: env.encryptionKey,
});

export const newRef = (integrationId: string) => ({ integrationId, tenantId: TENANT, syncTaskId: randomUUID(), correlationId: randomUUID() });

/** One full sync through Temporal, start to result; returns the final state and the first run's id. */
export async function syncThroughTemporal(client: Client, taskQueue: string, integrationId: string, input: Partial<SyncInput> = {}): Promise<{ state: SyncState; workflowId: string; firstRunId: string }> {
  const workflowId = syncWorkflowId(integrationId);
  const handle = await client.workflow.start(integrationSync, {
    taskQueue,
    workflowId,
    args: [{ integrationId, tenantId: TENANT, trigger: 'manual', mode: 'full_refresh', correlationId: randomUUID(), ...input }],
  });
  const state = await handle.result();
  if (state.status !== 'completed') throw new Error(`sync of ${integrationId} ended ${state.status}`);
  return { state, workflowId, firstRunId: handle.firstExecutionRunId };
}

/** History events of a workflow across its continue-as-new chain. */
export async function historyEvents(client: Client, workflowId: string, firstRunId: string): Promise<number> {
  let total = 0;
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    total += events.length;
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return total;
}

/**
 * The worker process the memory and concurrency figures run. Default: the TypeScript sources through tsx, as the
 * tests run it. BENCH_WORKER_SHIPPED=1: as it ships, compiled (`npm run build` first) with the Node flags of the
 * compose file's worker command (README's production command is the same). BENCH_WORKER_NODE_OPTIONS /
 * BENCH_WORKER_COMPILED=1 set either by hand.
 */
export function benchWorker(): { extraEnv: Record<string, string>; options: RoleOptions; label: string } {
  const shipped = process.env.BENCH_WORKER_SHIPPED === '1';
  const nodeOptions = process.env.BENCH_WORKER_NODE_OPTIONS ?? (shipped ? shippedWorkerFlags().join(' ') || undefined : undefined);
  const compiled = shipped || process.env.BENCH_WORKER_COMPILED === '1';
  return {
    extraEnv: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {},
    options: { compiled },
    label: `${compiled ? ', compiled' : ''}${nodeOptions ? `, ${nodeOptions}` : ''}`,
  };
}

/** The Node flags of docker-compose.temporal.yml's worker: `node <flags…> dist/workers/main.js`. */
export function shippedWorkerFlags(): string[] {
  const compose = parse(readFileSync(path.join(__dirname, '..', 'docker-compose.temporal.yml'), 'utf8'), { merge: true }) as { services: { worker: { command: string[] } } };
  return compose.services.worker.command.slice(1, -1);
}
