// The Temporal server itself dies mid-sync and comes back on the same state file: the sync still completes, once.
// And npm start's dev server, left running by a launcher killed outright, does not block the next start.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

  it('stops, at the next start, a dev server whose launcher was killed outright (npm start)', async () => {
    const port = await freePort();
    const options = { binary: requireTool('temporal'), port, dbFile: path.join(stateDir, 'left-over.db'), pidFile: path.join(stateDir, 'temporal.pid') };
    // In a process group of its own, so it outlives a launcher killed with SIGKILL, which never stops it.
    const leftOver = await startDevServer(options);
    const leftOverExit = new Promise((resolve) => leftOver.process.once('exit', resolve));
    const next = await startDevServer(options);
    try {
      await leftOverExit;
      expect(readFileSync(options.pidFile, 'utf8')).toBe(String(next.process.pid));
      const connection = await Connection.connect({ address: next.address });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
    } finally {
      await next.stop();
    }
    expect(existsSync(options.pidFile)).toBe(false);
  });
});
