import Redis from 'ioredis';
import { checkDueSyncs } from '../../workflows';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { recordHistory } from '../support/record-history';

describe('walking skeleton: a real workflow on a real worker writes PostgreSQL and publishes to Redis', () => {
  let env: IntegrationEnv;
  let redis: Redis;

  beforeAll(async () => {
    env = await createIntegrationEnv();
    redis = new Redis(env.servers.redisUrl);
    await env.startWorker();
  });

  afterAll(async () => {
    redis.disconnect();
    await env?.close();
  });

  it('claims the due integration, moves its next sync forward and announces the tick', async () => {
    const { rows } = await env.db.query<{ id: string }>(
      `INSERT INTO integrations (tenant_id, provider, name, sync_interval_seconds, next_sync_at)
       VALUES ('tenant-a', 'shopify', 'due', 600, now() - interval '1 minute'),
              ('tenant-a', 'shopify', 'not due', 600, now() + interval '1 hour')
       RETURNING id`,
    );
    const [due, notDue] = rows.map((r) => r.id);

    const workflowId = `check-due-${Date.now()}`;
    const result = await env.client.workflow.execute(checkDueSyncs, { taskQueue: env.taskQueue, workflowId, args: [{ maxStarts: 10, syncTaskQueue: `${env.taskQueue}-unpolled` }] });
    recordHistory('check-due-syncs', workflowId, env.servers.temporalAddress);

    expect(result.claimed).toEqual([due]);
    expect(result.started).toEqual([`sync:${due}`]);
    const after = await env.db.query<{ id: string; minutes: number }>(
      `SELECT id, extract(epoch FROM next_sync_at - now()) / 60 AS minutes FROM integrations`,
    );
    const byId = Object.fromEntries(after.rows.map((r) => [r.id, Number(r.minutes)]));
    expect(byId[due!]).toBeGreaterThan(9); // 600 s interval plus at most 5% jitter
    expect(byId[due!]).toBeLessThan(10.6);
    expect(byId[notDue!]).toBeGreaterThan(50);

    const entries = await redis.xrange(`${env.keyPrefix}events`, '-', '+');
    const events = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'integration.sync.check_due', source: 'integration-sync' });
    expect(Date.parse(events[0].data.timestamp)).not.toBeNaN();
  });
});
