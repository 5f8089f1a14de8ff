import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { WorkerEnv } from '../config/env';
import { integrationManagerOf } from '../connectors/oauth';
import { ProviderRateLimiter } from '../connectors/rate-limit';
import { createConnectorRegistry } from '../connectors/registry';
import type { EventBus } from '../events/bus';
import type { Tracing } from '../observability/tracing';
import { Keyring } from '../security/keyring';
import type { Db } from '../store/db';
import { connectOrExplain, type TemporalConnection } from '../temporal/connection-settings';
import { dataConverterFor } from '../temporal/data-converter';
import { createWorkerOptions, type WorkerLimits, type WorkerSetup } from './options';

/** What a worker needs beyond its activities' dependencies (the registry and the clock are always the real ones). */
export interface WorkerRoleDeps extends Omit<ActivityDeps, 'connectors' | 'clock'> {
  temporal: TemporalConnection;
  taskQueue: string;
  workflowBundlePath?: string | undefined;
  dataConverter?: DataConverter | undefined;
  tracing?: Tracing;
  limits?: WorkerLimits;
  deployment?: WorkerSetup['deployment'];
}

/** Creates a worker of this project's workflows and activities; the caller runs it and closes the connection after. */
export async function createWorker(deps: WorkerRoleDeps): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { temporal, taskQueue, workflowBundlePath, dataConverter, tracing, limits, deployment, ...activityDeps } = deps;
  const { namespace, ...connectionOptions } = temporal;
  const connection = await connectOrExplain(connectionOptions, () => NativeConnection.connect(connectionOptions));
  const activities = createActivities({ ...activityDeps, connectors: createConnectorRegistry(), clock: () => new Date() });
  const options = createWorkerOptions({
    connection,
    namespace,
    taskQueue,
    activities,
    dataConverter,
    ...(workflowBundlePath ? { workflowBundlePath } : {}),
    ...(tracing ? { tracing } : {}),
    ...(limits ? { limits } : {}),
    deployment,
  });
  return { worker: await Worker.create(options), connection };
}

export type WorkerRoleEnv = { temporal: TemporalConnection } & Omit<WorkerEnv, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'INBOUND_STREAM' | 'INBOUND_CONSUMER_GROUP' | 'RUN_CONSUMER' | 'WORKER_METRICS_PORT' | 'TEMPORAL_METRICS_PORT' | 'LOG_LEVEL' | 'EVENT_VALIDATION'>;

/** The one wiring of a worker from its environment, for `npm run worker` and the launcher alike. */
export async function workerFromEnv(
  env: WorkerRoleEnv,
  shared: { db: Db; bus: EventBus; tracing: Tracing },
): Promise<{ worker: Worker; close(): Promise<void> }> {
  const rateLimiter = new ProviderRateLimiter({ redisUrl: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX });
  const integrationManager = integrationManagerOf(env);
  const { worker, connection } = await createWorker({
    ...shared,
    temporal: env.temporal,
    taskQueue: env.TASK_QUEUE,
    keyring: new Keyring(env.ENCRYPTION_KEY, env.ENCRYPTION_KEYS_PREVIOUS),
    tokenRefreshMarginMs: env.TOKEN_REFRESH_MARGIN,
    outboundPolicy: { allowInsecure: env.ALLOW_INSECURE_PROVIDER_URLS, allowedCidrs: env.PROVIDER_ALLOWED_CIDRS },
    rateLimiter,
    dataConverter: dataConverterFor(env),
    batchThreshold: env.BATCH_THRESHOLD,
    ...(integrationManager ? { integrationManager } : {}),
    limits: { maxConcurrentActivities: env.WORKER_MAX_CONCURRENT_ACTIVITIES, maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS },
    workflowBundlePath: env.WORKFLOW_BUNDLE_PATH,
    deployment: env.WORKER_DEPLOYMENT_NAME && env.WORKER_BUILD_ID ? { name: env.WORKER_DEPLOYMENT_NAME, buildId: env.WORKER_BUILD_ID } : undefined,
  });
  return {
    worker,
    close: async () => {
      await connection.close();
      await rateLimiter.close();
    },
  };
}
