import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A bundle made once (tests, benchmark); without it the worker bundles workflows/ at start. */
  workflowBundlePath?: string;
  dataConverter?: DataConverter | undefined;
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
    ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}),
  };
  if (setup.workflowBundlePath) options.workflowBundle = { codePath: setup.workflowBundlePath };
  else options.workflowsPath = require.resolve('../workflows');
  return options;
}
