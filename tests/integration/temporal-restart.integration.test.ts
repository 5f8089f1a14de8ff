// The Temporal server itself dies mid-sync and comes back on the same state file: the sync still completes, once.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { syncWorkflowId } from '../../contracts/sync';
import { requireTool } from '../../scripts/tools';
import { startDevServer, type DevServer } from '../../temporal/dev-server';
import { integrationSync } from '../../workflows';
import type { FakeShopify } from '../support/fake-shopify';
import { freePort } from '../support/free-port';
import type { IntegrationEnv } from '../support/integration-env';
import { createShopIntegration, shardCount } from '../support/seed';
import { startShopEnv } from '../support/shop-env';

const TOKEN = 'shpat_test_token';
const TENANT = 'tenant-restart';

describe('integrationSync across a Temporal server restart', () => {
  let env: IntegrationEnv;
  let server: DevServer;
  let shop: FakeShopify;
  let close: (() => Promise<void>) | undefined;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'temporal-restart-'));

  beforeAll(async () => ({ env, shop, close } = await startShopEnv(TOKEN, 1_000, { pageDelayMs: 60 })));

  afterAll(async () => {
    await server?.stop();
    await close?.();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('completes the sync with every order stored once', async () => {
    const port = await freePort();
    const dbFile = path.join(stateDir, 'temporal.db');
    server = await startDevServer({ binary: requireTool('temporal'), port, dbFile });
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    const worker = await env.startWorker({ TEMPORAL_ADDRESS: server.address });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const handle = await client.workflow.start(integrationSync, {
      taskQueue: env.taskQueue,
      workflowId: syncWorkflowId(integrationId),
      args: [{ integrationId, tenantId: TENANT, trigger: 'manual', mode: 'full_refresh', correlationId: randomUUID(), tuning: { pageSize: 50, chunkMaxRecords: 200, heartbeatTimeoutMs: 3_000 } }],
    });
    const stored = () => shardCount(env.db, integrationId);
    while ((await stored()) < 250) await new Promise((r) => setTimeout(r, 100));

    await server.stop('SIGKILL');
    server = await startDevServer({ binary: requireTool('temporal'), port, dbFile });

    const state = await handle.result();
    expect(state).toMatchObject({ status: 'completed', created: 1_000, recordsFetched: 1_000 });
    expect(await stored()).toBe(1_000);
    await worker.stop();
    await connection.close();
  });
});
