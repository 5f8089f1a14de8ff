// One tenant's backlog does not hold up another's: every sync carries its tenant as Temporal's fairness key
// (contracts/fairness.ts), and the matching service dispatches a backlogged task queue round-robin by key. Here the
// test itself polls a fresh task queue where one tenant queued eight syncs before another tenant's one.
import { randomUUID } from 'node:crypto';
import { temporal as proto } from '@temporalio/proto';
import { startOrSignalSync } from '../../temporal/sync-starter';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';

describe('tenant fairness on the task queue', () => {
  let env: IntegrationEnv;
  const started: string[] = [];

  beforeAll(async () => {
    env = await createIntegrationEnv();
  });

  afterAll(async () => {
    await Promise.allSettled(started.map((id) => env.client.workflow.getHandle(id).terminate('test done')));
    await env?.close();
  });

  it("dispatches a second tenant's sync before the first tenant's backlog drains", async () => {
    const taskQueue = `fairness-${randomUUID()}`;
    const start = async (tenantId: string) => {
      const { workflowId } = await startOrSignalSync(env.client, taskQueue, { integrationId: randomUUID(), tenantId, trigger: 'manual', mode: 'incremental', correlationId: randomUUID() });
      started.push(workflowId);
      return workflowId;
    };
    for (let i = 0; i < 8; i++) await start('tenant-busy');
    const other = await start('tenant-quiet');

    expect((await env.client.workflow.getHandle(other).describe()).priority?.fairnessKey).toBe('tenant-quiet');
    // First in, first out would hand out the busy tenant's eight before the quiet tenant's one.
    const dispatched: string[] = [];
    for (let i = 0; i < 2; i++) {
      const task = await env.client.withDeadline(Date.now() + 30_000, () =>
        env.client.workflowService.pollWorkflowTaskQueue({
          namespace: 'default',
          taskQueue: { name: taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          identity: 'tenant-fairness-test',
        }),
      );
      dispatched.push(task.workflowExecution!.workflowId!);
    }
    expect(dispatched).toContain(other);
  });
});
