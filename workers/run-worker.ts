import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { IntegrationManager } from '../connectors/oauth';
import type { ProviderRateLimiter } from '../connectors/rate-limit';
import { createConnectorRegistry } from '../connectors/registry';
import type { EventBus } from '../events/bus';
import type { Tracing } from '../observability/tracing';
import type { Keyring } from '../security/keyring';
import type { Db } from '../store/db';
import { createWorkerOptions, type WorkerLimits } from './options';

export interface WorkerRoleDeps {
  address: string;
  namespace: string;
  taskQueue: string;
  db: Db;
  bus: EventBus;
  keyring: Keyring;
  batchThreshold: number;
  tokenRefreshMarginMs: number;
  allowInsecureProviderUrls?: boolean;
  rateLimiter?: ProviderRateLimiter;
  workflowBundlePath?: string;
  dataConverter?: DataConverter | undefined;
  tracing?: Tracing;
  integrationManager?: IntegrationManager | undefined;
  limits?: WorkerLimits;
}

/** Creates a worker of this project's workflows and activities; the caller runs it and closes the connection after. */
export async function createWorker(deps: WorkerRoleDeps): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: deps.address });
  const activities = createActivities({
    db: deps.db,
    bus: deps.bus,
    connectors: createConnectorRegistry(),
    clock: () => new Date(),
    keyring: deps.keyring,
    batchThreshold: deps.batchThreshold,
    tokenRefreshMarginMs: deps.tokenRefreshMarginMs,
    allowInsecureProviderUrls: deps.allowInsecureProviderUrls ?? false,
    ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
    ...(deps.integrationManager ? { integrationManager: deps.integrationManager } : {}),
  });
  const options = createWorkerOptions({
    connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities,
    ...(deps.workflowBundlePath ? { workflowBundlePath: deps.workflowBundlePath } : {}),
    dataConverter: deps.dataConverter,
    ...(deps.tracing ? { tracing: deps.tracing } : {}),
    ...(deps.limits ? { limits: deps.limits } : {}),
  });
  const worker = await Worker.create(options);
  return { worker, connection };
}
