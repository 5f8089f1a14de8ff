import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { Activities } from '../activities';
import { startTracing, type Tracing } from '../observability/tracing';

/** Part of every workflow bundle, so histories replay the same whether tracing is on or off. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A bundle made once (tests, benchmark); without it the worker bundles workflows/ at start. */
  workflowBundlePath?: string;
  dataConverter?: DataConverter | undefined;
  /** Where workflow and activity spans go; without it they are dropped. */
  tracing?: Tracing;
  /** WORKER_MAX_CONCURRENT_ACTIVITIES / WORKER_MAX_CACHED_WORKFLOWS; unset = the SDK's defaults. */
  limits?: WorkerLimits;
  /** WORKER_DEPLOYMENT_NAME / WORKER_BUILD_ID: this worker is that version of a Worker Deployment; unset = unversioned. */
  deployment?: { name: string; buildId: string } | undefined;
}

export interface WorkerLimits {
  maxConcurrentActivities?: number | undefined;
  maxCachedWorkflows?: number | undefined;
}

/** Workflow code cannot export spans itself: it hands them to this sink, which must exist even when nothing collects them. */
export function workflowSpanSinks(tracing: Tracing = startTracing('integration-sync-worker', {})) {
  return { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) };
}

/** Shared by production workers, the launcher and the tests, so they run the same worker. */
export function createWorkerOptions(setup: WorkerSetup): WorkerOptions {
  const options: WorkerOptions = {
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    activities: setup.activities,
    // On SIGTERM running activities get this long to finish before their tasks go back to the server.
    shutdownGraceTime: '20s',
    // Then at most this much longer (an activity deaf to its cancellation must not hold a stopping worker forever).
    shutdownForceTime: '30s',
    ...(setup.limits?.maxConcurrentActivities !== undefined ? { maxConcurrentActivityTaskExecutions: setup.limits.maxConcurrentActivities } : {}),
    ...(setup.limits?.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: setup.limits.maxCachedWorkflows } : {}),
    ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}),
    interceptors: { activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })] },
    // Pinned: a workflow runs to its end on the version that started it, so a deploy never replays a running sync on
    // code it did not start with (README: Deploying workers). Every workflow here ends (a sync continues as new
    // between chunks, on the version current then), so old versions drain.
    ...(setup.deployment
      ? { workerDeploymentOptions: { version: { deploymentName: setup.deployment.name, buildId: setup.deployment.buildId }, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' as const } }
      : {}),
  };
  options.sinks = workflowSpanSinks(setup.tracing);
  // A prebuilt bundle carries the workflow interceptors already (bundled with WORKFLOW_INTERCEPTOR_MODULES).
  if (setup.workflowBundlePath) options.workflowBundle = { codePath: setup.workflowBundlePath };
  else {
    options.workflowsPath = require.resolve('../workflows');
    options.interceptors!.workflowModules = WORKFLOW_INTERCEPTOR_MODULES;
  }
  return options;
}
