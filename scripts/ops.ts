// `npm run ops -- <command>`: what operators otherwise do by hand, against the services the environment names.
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { envFields, loadTemporalRoleEnvOrExit } from '../config/env';
import { syncWorkflowId } from '../contracts/sync';
import { createConnectorRegistry } from '../connectors/registry';
import { findConnectionSummary } from '../store/connections';
import { createDb, type Db } from '../store/db';
import { updateIntegration } from '../store/integrations';
import { redisClient } from '../store/redis';
import { connectClient } from '../temporal/client';
import { startOrSignalSync } from '../temporal/sync-starter';
import { startDeadLetterReplay } from '../temporal/workflow-starters';
import { replayInboundDeadLetters } from '../workers/inbound-dead-letters';

const USAGE = `usage: npm run ops -- <command> [options]
  syncs [--tenant T] [--status running|completed|failed|cancelled] [--limit N]   list syncs (Temporal visibility)
  trigger <integrationId> --tenant T [--full]                                    start a sync, or ask the running one for another pass
  cancel <integrationId>                                                         cancel the running sync
  pause <integrationId> --tenant T [--reason R] | resume <integrationId> --tenant T
  replay-dead-letters <integrationId> --tenant T                                 re-map dead-lettered records
  token <integrationId> --tenant T                                               a connection's token state (never the token)
  replay-inbound-dead-letters                                                    check dead-lettered inbound events again; re-deliver those that pass`;

const envSchema = z.object({
  TASK_QUEUE: envFields.TASK_QUEUE,
  DATABASE_URL: envFields.DATABASE_URL,
  PAYLOAD_ENCRYPTION_KEY: envFields.PAYLOAD_ENCRYPTION_KEY,
  PAYLOAD_ENCRYPTION_KEYS_PREVIOUS: envFields.PAYLOAD_ENCRYPTION_KEYS_PREVIOUS,
  REDIS_URL: envFields.REDIS_URL,
  REDIS_KEY_PREFIX: envFields.REDIS_KEY_PREFIX,
  INBOUND_STREAM: envFields.INBOUND_STREAM,
});

const quote = (v: string) => `"${v.replace(/["\\\\]/g, '')}"`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, reason: { type: 'string' }, full: { type: 'boolean' } },
  });
  const [command, id] = positionals;
  if (!command) return fail(USAGE);
  const env = loadTemporalRoleEnvOrExit(envSchema);
  const client = await connectClient(env);
  const db = createDb(env.DATABASE_URL);
  const out = (value: unknown): void => {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  };
  const needTenant = () => values.tenant ?? fail(`${command} needs --tenant`);
  const needId = () => id ?? fail(`${command} needs an integration id`);
  try {
    switch (command) {
      case 'syncs': {
        const clauses = [`WorkflowType = "integrationSync"`];
        if (values.tenant) clauses.push(`TenantId = ${quote(values.tenant)}`);
        if (values.status) clauses.push(`SyncStatus = ${quote(values.status)}`);
        const rows = [];
        for await (const run of client.workflow.list({ query: clauses.join(' AND '), pageSize: 100 })) {
          rows.push({ workflowId: run.workflowId, status: run.status.name, start: run.startTime, tenant: run.searchAttributes?.TenantId?.[0], sync: run.searchAttributes?.SyncStatus?.[0] });
          if (rows.length >= Number(values.limit ?? 50)) break;
        }
        return out(rows);
      }
      case 'trigger':
        return out(await startOrSignalSync(client, env.TASK_QUEUE, { integrationId: needId(), tenantId: needTenant(), trigger: 'manual', mode: values.full ? 'full_refresh' : 'incremental', correlationId: randomUUID() }, { syncTaskIdOfRunning: true }));
      case 'cancel':
        await client.workflow.getHandle(syncWorkflowId(needId())).cancel();
        return out({ workflowId: syncWorkflowId(needId()), status: 'cancelling' });
      case 'pause':
      case 'resume': {
        const updated = await updateIntegration(db, needTenant(), needId(), command === 'pause' ? { status: 'paused', pauseReason: values.reason ?? 'paused by operator' } : { status: 'active', pauseReason: null });
        return updated ? out({ id: updated.id, status: updated.status, pauseReason: updated.pauseReason }) : fail('integration not found for that tenant');
      }
      case 'replay-dead-letters': {
        const { workflowId } = await startDeadLetterReplay(client, env.TASK_QUEUE, { integrationId: needId(), tenantId: needTenant(), correlationId: randomUUID() });
        return out(await client.workflow.getHandle(workflowId).result());
      }
      case 'token':
        return out(await tokenState(db, needTenant(), needId()));
      case 'replay-inbound-dead-letters': {
        if (!env.REDIS_URL) return fail('replay-inbound-dead-letters needs REDIS_URL');
        const redis = redisClient(env.REDIS_URL);
        try {
          return out(await replayInboundDeadLetters(redis, `${env.REDIS_KEY_PREFIX}${env.INBOUND_STREAM}`, { db, connectors: createConnectorRegistry() }));
        } finally {
          redis.disconnect();
        }
      }
      default:
        return fail(`unknown command "${command}"\n${USAGE}`);
    }
  } finally {
    await Promise.all([client.connection.close(), db.end()]);
  }
}

async function tokenState(db: Db, tenantId: string, integrationId: string) {
  const summary = await findConnectionSummary(db, tenantId, integrationId);
  if (!summary) return fail('no connection for that integration and tenant');
  const { id, ...rest } = summary;
  return { connectionId: id, ...rest };
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

main().catch((err) => {
  process.stderr.write(`ops failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
