import { randomUUID } from 'node:crypto';
import type { WorkflowStartOptions } from '@temporalio/client';
import { syncWorkflowId, type SyncInput } from '../../contracts/sync';
import type { integrationSync } from '../../workflows';

/** Start options of a manual full sync of one integration on the test file's task queue; `input` overrides fields. */
export function manualSync(
  taskQueue: string,
  integrationId: string,
  tenantId: string,
  input: Partial<Omit<SyncInput, 'integrationId' | 'tenantId'>> = {},
): WorkflowStartOptions<typeof integrationSync> {
  return {
    taskQueue,
    workflowId: syncWorkflowId(integrationId),
    args: [{ integrationId, tenantId, trigger: 'manual', mode: 'full_refresh', correlationId: randomUUID(), ...input }],
  };
}
