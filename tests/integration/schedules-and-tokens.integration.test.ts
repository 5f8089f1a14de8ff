import { randomUUID } from 'node:crypto';
import { createActivities } from '../../activities';
import { refreshConnectionTokens } from '../../activities/token-refresh';
import { createConnectorRegistry } from '../../connectors/registry';
import { syncWorkflowId } from '../../contracts/sync';
import type { EventEnvelope } from '../../events/envelope';
import { Keyring } from '../../security/keyring';
import { applySchedules, HOUSEKEEPING_SCHEDULE_ID, SYNC_CHECK_SCHEDULE_ID, TOKEN_REFRESH_SCHEDULE_ID, type ScheduleSettings } from '../../temporal/schedules';
import { checkDueSyncs, housekeeping, integrationSync, refreshConnection, tokenRefreshSweep } from '../../workflows';
import { tokenRefreshWorkflowId } from '../../workflows/refresh-connection';
import { dedupe, ofType, readStream } from '../support/events';
import { FakeOAuthServer } from '../support/fake-oauth';
import { FakeShopify } from '../support/fake-shopify';
import { waitForResult } from '../support/wait';
import { createIntegrationEnv, type IntegrationEnv, type WorkerProcess } from '../support/integration-env';
import { recordHistory } from '../support/record-history';
import { connectionIdOf, createIntegration } from '../support/seed';

const TENANT = 'tenant-tokens';
const CLIENT_ID = 'client-id-7f3a';
const CLIENT_SECRET = 'client-secret-TOP-SECRET-91c2';
const INITIAL_ACCESS = 'access-token-INITIAL-5d8e';
const INITIAL_REFRESH = 'refresh-token-INITIAL-0b4c';
const HOUR = 3_600_000;

describe('schedules, due-sync check and OAuth token refresh', () => {
  let env: IntegrationEnv;
  let worker: WorkerProcess;
  let shop: FakeShopify;
  const servers: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    env = await createIntegrationEnv();
    shop = await new FakeShopify({ accessToken: INITIAL_ACCESS }).start();
    shop.addOrders(30);
    servers.push(shop);
    worker = await env.startWorker({ TOKEN_REFRESH_MARGIN: '10m' });
  });

  afterAll(async () => {
    for (const id of [SYNC_CHECK_SCHEDULE_ID, TOKEN_REFRESH_SCHEDULE_ID, HOUSEKEEPING_SCHEDULE_ID]) await env.client.schedule.getHandle(id).delete().catch(() => undefined);
    await Promise.all(servers.map((s) => s.stop()));
    await env?.close();
  });

  async function oauthServer(rotate: boolean, delayMs = 0) {
    const oauth = await new FakeOAuthServer({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, rotate, delayMs, onIssue: (t) => shop.validTokens.add(t) }).start();
    oauth.validRefreshTokens.add(INITIAL_REFRESH);
    servers.push(oauth);
    return oauth;
  }

  const oauthIntegration = (tokenUrl: string, expiresAt: Date, nextSyncAt?: Date) =>
    createIntegration(env.db, {
      tenantId: TENANT,
      provider: 'shopify',
      config: { baseUrl: shop.baseUrl },
      secrets: { accessToken: INITIAL_ACCESS, refreshToken: INITIAL_REFRESH, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      encryptionKey: env.encryptionKey,
      oauth: { tokenUrl, expiresAt },
      ...(nextSyncAt ? { nextSyncAt } : {}),
    });

  const inProcessDeps = () => ({
    db: env.db,
    bus: env.bus,
    connectors: createConnectorRegistry(),
    clock: () => new Date(),
    keyring: new Keyring(Buffer.from(env.encryptionKey, 'hex')),
    batchThreshold: 100,
    tokenRefreshMarginMs: 10 * 60_000,
    // The fake token endpoint listens on loopback over plain HTTP.
    outboundPolicy: { allowInsecure: true, allowedCidrs: [] },
  });

  const storedSecrets = async (integrationId: string) => {
    const deps = inProcessDeps();
    const { rows } = await env.db.query('SELECT secrets, secrets_key_id, status, expires_at FROM connections WHERE integration_id = $1', [integrationId]);
    return { ...rows[0], secrets: deps.keyring.open<Record<string, string>>({ keyId: rows[0].secrets_key_id, blob: rows[0].secrets }) };
  };

  const events = async () => dedupe(await readStream(env.servers.redisUrl, env.bus.streamKey));

  it('applies the schedules with the configured intervals, and a second apply changes nothing', async () => {
    // Long intervals: the schedules must not fire on their own during this file (the tests trigger them).
    const settings: ScheduleSettings = {
      taskQueue: env.taskQueue,
      syncCheckIntervalMs: 6 * HOUR,
      tokenRefreshIntervalMs: 12 * HOUR,
      tokenRefreshMarginMs: 600_000,
      maxSyncStartsPerTick: 100,
      housekeepingIntervalMs: 24 * HOUR,
      webhookDeliveryRetentionMs: 7 * 24 * HOUR,
    };
    const all = (outcome: string) => ({ [SYNC_CHECK_SCHEDULE_ID]: outcome, [TOKEN_REFRESH_SCHEDULE_ID]: outcome, [HOUSEKEEPING_SCHEDULE_ID]: outcome });
    expect(await applySchedules(env.client, settings)).toEqual(all('created'));
    const check = await env.client.schedule.getHandle(SYNC_CHECK_SCHEDULE_ID).describe();
    const sweep = await env.client.schedule.getHandle(TOKEN_REFRESH_SCHEDULE_ID).describe();
    const chores = await env.client.schedule.getHandle(HOUSEKEEPING_SCHEDULE_ID).describe();
    expect(check.spec.intervals?.[0]?.every).toBe(6 * HOUR);
    expect(sweep.spec.intervals?.[0]?.every).toBe(12 * HOUR);
    expect(chores.spec.intervals?.[0]?.every).toBe(24 * HOUR);
    expect(check.policies.overlap).toBe('SKIP');
    expect(check.action).toMatchObject({ workflowType: 'checkDueSyncs', taskQueue: env.taskQueue, args: [{ maxStarts: 100 }] });
    expect(chores.action).toMatchObject({ workflowType: 'housekeeping', taskQueue: env.taskQueue, args: [{ webhookDeliveryRetentionMs: 7 * 24 * HOUR }] });

    expect(await applySchedules(env.client, settings)).toEqual(all('unchanged'));
    expect((await env.client.schedule.getHandle(SYNC_CHECK_SCHEDULE_ID).describe()).info.lastUpdatedAt).toEqual(check.info.lastUpdatedAt);

    expect(await applySchedules(env.client, { ...settings, syncCheckIntervalMs: 3 * HOUR })).toEqual({ ...all('unchanged'), [SYNC_CHECK_SCHEDULE_ID]: 'updated' });
    expect((await env.client.schedule.getHandle(SYNC_CHECK_SCHEDULE_ID).describe()).spec.intervals?.[0]?.every).toBe(3 * HOUR);
  });

  it('housekeeping forgets webhook deliveries older than the retention, in batches, and keeps the recent ones', async () => {
    const integrationId = await createIntegration(env.db, { tenantId: TENANT, provider: 'shopify', config: { baseUrl: shop.baseUrl }, secrets: { accessToken: INITIAL_ACCESS }, encryptionKey: env.encryptionKey });
    const deliveries = (prefix: string, count: number, ageMs: number) =>
      env.db.query(
        `INSERT INTO webhook_deliveries (provider, delivery_id, integration_id, received_at)
         SELECT 'shopify', $1 || n, $2, now() - make_interval(secs => $3::float8 / 1000) FROM generate_series(1, $4) n`,
        [prefix, integrationId, ageMs, count],
      );
    await deliveries('old-', 250, 8 * 24 * HOUR);
    await deliveries('recent-', 40, 2 * 24 * HOUR);
    const workflowId = `housekeeping-${randomUUID()}`;
    const result = await env.client.workflow.execute(housekeeping, { taskQueue: env.taskQueue, workflowId, args: [{ webhookDeliveryRetentionMs: 7 * 24 * HOUR, batchSize: 100 }] });
    recordHistory('housekeeping', workflowId, env.servers.temporalAddress);
    expect(result).toEqual({ webhookDeliveriesDeleted: 250 });
    const { rows } = await env.db.query<{ delivery_id: string }>('SELECT delivery_id FROM webhook_deliveries WHERE integration_id = $1', [integrationId]);
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.delivery_id.startsWith('recent-'))).toBe(true);
  });

  it('triggering the due-sync schedule starts syncs for exactly the due integrations and announces the tick', async () => {
    const oauth = await oauthServer(false);
    const past = new Date(Date.now() - 60_000);
    const due = [await oauthIntegration(oauth.tokenUrl, new Date(Date.now() + 24 * HOUR), past), await oauthIntegration(oauth.tokenUrl, new Date(Date.now() + 24 * HOUR), past)];
    const notDue = await oauthIntegration(oauth.tokenUrl, new Date(Date.now() + 24 * HOUR), new Date(Date.now() + HOUR));
    await env.client.schedule.getHandle(SYNC_CHECK_SCHEDULE_ID).trigger();
    for (const id of due) {
      const state = await waitForResult(() => env.client.workflow.getHandle(syncWorkflowId(id)).result());
      expect(state).toMatchObject({ status: 'completed', trigger: 'schedule', created: 30 });
    }
    await expect(env.client.workflow.getHandle(syncWorkflowId(notDue)).describe()).rejects.toThrow();
    expect(ofType(await events(), 'integration.sync.check_due').length).toBeGreaterThanOrEqual(1);
  });

  it('starts 1,500 due integrations within 3 ticks of 500, none twice', async () => {
    await env.db.query(
      `INSERT INTO integrations (tenant_id, provider, name, next_sync_at, sync_interval_seconds)
       SELECT 'tenant-bulk', 'shopify', 'bulk ' || n, now() - interval '1 minute', 3600 FROM generate_series(1, 1500) n`,
    );
    const started: string[] = [];
    for (let tick = 0; tick < 4; tick++) {
      const result = await env.client.workflow.execute(checkDueSyncs, {
        taskQueue: env.taskQueue,
        workflowId: `bulk-tick-${tick}-${randomUUID()}`,
        // Children go to a queue no worker polls: this test is about starting them, not running 1,500 syncs.
        args: [{ maxStarts: 500, syncTaskQueue: `${env.taskQueue}-unpolled` }],
      });
      expect(result.started.length).toBe(tick < 3 ? 500 : 0);
      expect(result.alreadyRunning).toEqual([]);
      started.push(...result.started);
    }
    expect(new Set(started).size).toBe(1_500);
  });

  it('starts a small tenant\'s due syncs in the first tick, however many another tenant has due', async () => {
    await env.db.query(
      `INSERT INTO integrations (tenant_id, provider, name, next_sync_at, sync_interval_seconds)
       SELECT 'tenant-big', 'shopify', 'big ' || n, now() - interval '2 hours', 3600 FROM generate_series(1, 5000) n`,
    );
    const { rows } = await env.db.query<{ id: string }>(
      `INSERT INTO integrations (tenant_id, provider, name, next_sync_at, sync_interval_seconds)
       SELECT 'tenant-small', 'shopify', 'small ' || n, now() - interval '1 minute', 3600 FROM generate_series(1, 5) n RETURNING id`,
    );
    const result = await env.client.workflow.execute(checkDueSyncs, {
      taskQueue: env.taskQueue,
      workflowId: `fair-tick-${randomUUID()}`,
      args: [{ maxStarts: 100, syncTaskQueue: `${env.taskQueue}-unpolled` }],
    });
    expect(result.claimed).toHaveLength(100);
    expect(result.claimed).toEqual(expect.arrayContaining(rows.map((r) => r.id)));
    // And each sync queues under its tenant's fairness key, so the big tenant's backlog is not ahead of it.
    expect((await env.client.workflow.getHandle(syncWorkflowId(rows[0]!.id)).describe()).priority?.fairnessKey).toBe('tenant-small');
    await env.db.query(`UPDATE integrations SET status = 'paused' WHERE tenant_id IN ('tenant-big', 'tenant-small')`);
  });

  it('refreshes every connection the sweep selects (expiring before thresholdTime), not only those within the margin', async () => {
    // Not rotating: the three connections share one refresh token.
    const oauth = await oauthServer(false);
    const inMinutes = (minutes: number) => oauthIntegration(oauth.tokenUrl, new Date(Date.now() + minutes * 60_000));
    // Interval 1 h + margin 10 min: +5 and +30 and +65 min expire before the next sweep; +3 days does not.
    const due = [await inMinutes(5), await inMinutes(30), await inMinutes(65)];
    const later = await inMinutes(3 * 24 * 60);
    const sweepId = `sweep-${randomUUID()}`;
    const result = await env.client.workflow.execute(tokenRefreshSweep, { taskQueue: env.taskQueue, workflowId: sweepId, args: [{ intervalMs: HOUR, marginMs: 10 * 60_000 }] });
    recordHistory('token-refresh-sweep', sweepId, env.servers.temporalAddress);
    const dueConnections = await Promise.all(due.map((id) => connectionIdOf(env.db, id)));
    expect(result.started.sort()).toEqual(dueConnections.map(tokenRefreshWorkflowId).sort());
    expect(result.started).not.toContain(tokenRefreshWorkflowId(await connectionIdOf(env.db, later)));
    for (const connectionId of dueConnections) expect(await env.client.workflow.getHandle(tokenRefreshWorkflowId(connectionId)).result()).toBe('refreshed');
    expect((await env.client.workflow.getHandle(tokenRefreshWorkflowId(dueConnections[0]!)).describe()).priority?.fairnessKey).toBe(TENANT);
    recordHistory('refresh-connection', tokenRefreshWorkflowId(dueConnections[0]!), env.servers.temporalAddress);
    expect(oauth.calls).toBe(3);

    for (const integrationId of due) {
      const stored = await storedSecrets(integrationId);
      expect(stored.secrets.accessToken).toMatch(/^fake-access-token-/);
      expect(stored.expires_at.getTime()).toBeGreaterThan(Date.now() + 20 * 60_000);
    }
    expect((await storedSecrets(later)).secrets.accessToken).toBe(INITIAL_ACCESS);
    const all = await events();
    const [check] = ofType(all, 'integration.token.check-expiring') as Array<EventEnvelope<'integration.token.check-expiring'>>;
    const window = Date.parse(check!.data.thresholdTime) - Date.parse(check!.data.timestamp);
    expect(window).toBe(HOUR + 10 * 60_000);
    const refreshed = ofType(all, 'integration.token.refreshed') as Array<EventEnvelope<'integration.token.refreshed'>>;
    for (const [i, connectionId] of dueConnections.entries()) expect(refreshed.find((e) => e.data.connectionId === connectionId)?.data.integrationId).toBe(due[i]);
  });

  it('refreshes on an explicit request outside the margin, once for concurrent requests, and announces it either way', async () => {
    const oauth = await oauthServer(false, 200);
    const expiresAt = new Date(Date.now() + 2 * HOUR);
    const integrationId = await oauthIntegration(oauth.tokenUrl, expiresAt);
    const connectionId = await connectionIdOf(env.db, integrationId);
    const deps = inProcessDeps();
    const request = { connectionId, requestedAt: new Date().toISOString(), refreshBefore: expiresAt.toISOString() };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => refreshConnectionTokens(deps, request)));
    expect(oauth.calls).toBe(1);
    expect(outcomes.sort()).toEqual(['already_fresh', 'already_fresh', 'already_fresh', 'already_fresh', 'refreshed']);
    // Every request announced the one refresh: the same event id each time, so consumers see it once.
    const refreshed = (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.type === 'integration.token.refreshed' && (e.data as { connectionId: string }).connectionId === connectionId);
    expect(refreshed.length).toBe(5);
    expect(new Set(refreshed.map((e) => e.id)).size).toBe(1);

    // A request for a connection that needs a new authorisation is answered by refresh.failed, with an id that a retry repeats.
    await env.db.query(`UPDATE connections SET status = 'reauth_required', last_error = 'invalid_grant: revoked' WHERE id = $1`, [connectionId]);
    const failing = { connectionId, requestedAt: new Date().toISOString(), refreshBefore: new Date(Date.now() + 3 * HOUR).toISOString() };
    expect(await refreshConnectionTokens(deps, failing)).toBe('reauth_required');
    expect(await refreshConnectionTokens(deps, failing)).toBe('reauth_required');
    const failed = (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.type === 'integration.token.refresh.failed' && (e.data as { connectionId: string }).connectionId === connectionId);
    expect(failed.length).toBe(2);
    expect(failed[0]!.id).toBe(failed[1]!.id);
    expect((failed[0]!.data as { error: string }).error).toContain('invalid_grant');
    expect(oauth.calls).toBe(1);
  });

  it('calls the token endpoint once for 20 simultaneous refreshes of one connection', async () => {
    const oauth = await oauthServer(true, 200);
    const integrationId = await oauthIntegration(oauth.tokenUrl, new Date(Date.now() + 60_000));
    const connectionId = await connectionIdOf(env.db, integrationId);
    const deps = inProcessDeps();
    const requestedAt = new Date().toISOString();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => refreshConnectionTokens(deps, { connectionId, requestedAt })));
    expect(oauth.calls).toBe(1);
    expect(outcomes.filter((o) => o === 'refreshed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already_fresh')).toHaveLength(19);
    expect(createActivities(deps).refreshConnectionToken).toBeDefined();
  });

  it('uses the rotated refresh token next time, and keeps the old one when the provider does not rotate', async () => {
    const rotating = await oauthServer(true);
    const a = await oauthIntegration(rotating.tokenUrl, new Date(Date.now() - 1_000));
    const aConnection = await connectionIdOf(env.db, a);
    const deps = inProcessDeps();
    expect(await refreshConnectionTokens(deps, { connectionId: aConnection, requestedAt: new Date().toISOString() })).toBe('refreshed');
    const rotated = (await storedSecrets(a)).secrets.refreshToken;
    expect(rotated).toBe('fake-refresh-token-2-1');
    await env.db.query(`UPDATE connections SET expires_at = now() WHERE id = $1`, [aConnection]);
    expect(await refreshConnectionTokens(deps, { connectionId: aConnection, requestedAt: new Date().toISOString() })).toBe('refreshed');
    expect(rotating.usedRefreshTokens).toEqual([INITIAL_REFRESH, rotated]);

    const plain = await oauthServer(false);
    const b = await oauthIntegration(plain.tokenUrl, new Date(Date.now() - 1_000));
    expect(await refreshConnectionTokens(deps, { connectionId: await connectionIdOf(env.db, b), requestedAt: new Date().toISOString() })).toBe('refreshed');
    expect((await storedSecrets(b)).secrets.refreshToken).toBe(INITIAL_REFRESH);
  });

  it('marks invalid_grant reauth_required, announces it and stops scheduling the integration', async () => {
    const oauth = await oauthServer(false);
    oauth.validRefreshTokens.clear();
    const integrationId = await oauthIntegration(oauth.tokenUrl, new Date(Date.now() - 1_000), new Date(Date.now() - 60_000));
    const connectionId = await connectionIdOf(env.db, integrationId);
    const outcome = await env.client.workflow.execute(refreshConnection, { taskQueue: env.taskQueue, workflowId: tokenRefreshWorkflowId(connectionId), args: [{ connectionId }] });
    expect(outcome).toBe('reauth_required');
    expect(oauth.calls).toBe(1);
    expect((await storedSecrets(integrationId)).status).toBe('reauth_required');
    const failed = ofType(await events(), 'integration.token.refresh.failed') as Array<EventEnvelope<'integration.token.refresh.failed'>>;
    expect(failed.find((e) => e.data.connectionId === connectionId)?.data.error).toContain('invalid_grant');
    const claimed = await createActivities(inProcessDeps()).claimDueIntegrations({ now: new Date().toISOString(), limit: 10_000 });
    expect(claimed.map((c) => c.integrationId)).not.toContain(integrationId);
  });

  it('retries a 500 from the token endpoint and then refreshes', async () => {
    const oauth = await oauthServer(false);
    oauth.failNext(1, 500);
    const integrationId = await oauthIntegration(oauth.tokenUrl, new Date(Date.now() - 1_000));
    const connectionId = await connectionIdOf(env.db, integrationId);
    const outcome = await env.client.workflow.execute(refreshConnection, { taskQueue: env.taskQueue, workflowId: tokenRefreshWorkflowId(connectionId), args: [{ connectionId }] });
    expect(outcome).toBe('refreshed');
    expect(oauth.calls).toBe(2);
    expect((await storedSecrets(integrationId)).status).toBe('active');
  });

  it('refreshes once on a 401 during a sync and completes it', async () => {
    const oauth = await oauthServer(false);
    const integrationId = await oauthIntegration(oauth.tokenUrl, new Date(Date.now() + 24 * HOUR));
    shop.validTokens.delete(INITIAL_ACCESS); // the provider revoked it early
    try {
      const state = await env.client.workflow.execute(integrationSync, {
        taskQueue: env.taskQueue,
        workflowId: syncWorkflowId(integrationId),
        args: [{ integrationId, tenantId: TENANT, trigger: 'manual', mode: 'full_refresh', correlationId: randomUUID() }],
      });
      expect(state).toMatchObject({ status: 'completed', recordsFetched: 30 });
      expect(oauth.calls).toBe(1);
      recordHistory('sync-with-token-refresh', syncWorkflowId(integrationId), env.servers.temporalAddress);
    } finally {
      shop.validTokens.add(INITIAL_ACCESS);
    }
  });

  it('keeps tokens and client secrets out of histories, logs, events and clear-text columns', async () => {
    const secrets = [CLIENT_SECRET, INITIAL_ACCESS, INITIAL_REFRESH, 'fake-access-token-2', 'fake-refresh-token-2'];
    const histories: string[] = [];
    for await (const run of env.client.workflow.list({ query: `TaskQueue = "${env.taskQueue}"` })) {
      const history = await env.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      histories.push(JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
    }
    expect(histories.length).toBeGreaterThan(5);
    const stream = JSON.stringify(await readStream(env.servers.redisUrl, env.bus.streamKey));
    const columns = JSON.stringify((await env.db.query(`SELECT encode(secrets, 'escape') AS s, last_error FROM connections`)).rows);
    for (const secret of secrets) {
      for (const history of histories) expect(history).not.toContain(secret);
      expect(worker.output()).not.toContain(secret);
      expect(stream).not.toContain(secret);
      expect(columns).not.toContain(secret);
    }
  });
});

