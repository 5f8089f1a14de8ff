import { WorkflowExecutionAlreadyStartedError, type Priority } from '@temporalio/common';
import { ParentClosePolicy, startChild, type Workflow } from '@temporalio/workflow';

/**
 * Starts one abandoned child per item (so a slow child never holds the parent) and counts those that were already
 * running: one workflow ID per integration or connection makes a second start a no-op, not an error.
 */
export async function startAbandonedChildren<T>(
  workflow: Workflow,
  items: readonly T[],
  options: (item: T) => { workflowId: string; args: unknown[]; taskQueue?: string; priority?: Priority },
): Promise<{ started: string[]; alreadyRunning: string[] }> {
  const started: string[] = [];
  const alreadyRunning: string[] = [];
  await Promise.all(
    items.map(async (item) => {
      const { workflowId, args, taskQueue, priority } = options(item);
      try {
        await startChild(workflow, { workflowId, args, parentClosePolicy: ParentClosePolicy.ABANDON, ...(taskQueue ? { taskQueue } : {}), ...(priority ? { priority } : {}) });
        started.push(workflowId);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        alreadyRunning.push(workflowId);
      }
    }),
  );
  return { started: started.sort(), alreadyRunning: alreadyRunning.sort() };
}
