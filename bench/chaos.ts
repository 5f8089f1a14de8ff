// `npm run chaos`: fault scenarios against real processes (3 worker processes, a Temporal dev server, PostgreSQL and
// Redis that keep their data across restarts, the fake Shopify in its own process). Prints one table; exits non-zero
// on any lost or duplicated record or event of ours. The worker-kill scenario also runs against the BullMQ peer.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { syncWorkflowId } from '../contracts/sync';
import { outboxBacklog } from '../store/event-outbox';
import { createIntegrationEnv, type IntegrationEnv, type WorkerProcess } from '../tests/support/integration-env';
import { startStack, type Stack } from '../tests/support/stack';
import { waitForResult } from '../tests/support/wait';
import { integrationSync } from '../workflows';
import { runBullmqSync, startBullmqWorker, type BullmqPeerEnv } from './bullmq-peer';
import { TENANT, newRef, pipelineEnvOf, seedShop } from './context';
import { startFakeShopifyProcess, type FakeShopifyProcessOptions } from './fake-shopify-process';
import { auditStream, streamTail } from './stream-audit';

const PAGE = 250;
/** Short, so a killed worker's chunk is retried within seconds rather than the default minute. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

interface World {
  stack: Stack;
  env: IntegrationEnv;
  log(message: string): void;
  /** SIGKILLs one worker process at random and starts a new one in its place. */
  killRandomWorker(): Promise<void>;
  /** Stops every worker and starts as many with these settings added. */
  restartWorkers(extraEnv: Record<string, string>): Promise<void>;
  /** Runs one command against the stack's Redis. */
  redis<T>(command: (client: Redis) => Promise<T>): Promise<T>;
}

interface Scenario {
  name: string;
  records: number;
  shop?: Partial<FakeShopifyProcessOptions>;
  /** Settings the workers run this scenario with (they are restarted with them, and back after). */
  workerEnv?: Record<string, string>;
  /** Before the sync starts, and after the audit. */
  before?(world: World): Promise<unknown>;
  after?(world: World): Promise<unknown>;
  /** Runs beside the sync; `running()` turns false once it finished. */
  fault(world: World, running: () => boolean): Promise<void>;
}

const between = (min: number, max: number) => min + Math.random() * (max - min);

const scenarios = (size: number): Scenario[] => [
  {
    name: '10 SIGKILLs of random workers',
    records: size * 5,
    fault: async (world, running) => {
      for (let kill = 1; kill <= 10 && running(); kill++) {
        await sleep(between(500, 2_500));
        if (running()) await world.killRandomWorker();
      }
    },
  },
  {
    name: 'Temporal server killed and restarted',
    records: size * 2,
    fault: async (world) => {
      await sleep(2_000);
      await world.stack.restart('temporal', 3_000);
    },
  },
  {
    name: 'Redis down for 30 s',
    records: size * 2,
    fault: async (world) => {
      await sleep(2_000);
      await world.stack.restart('redis', 30_000);
    },
  },
  {
    // Longer than any retry budget: the sync finishes while Redis is away; its events wait in the outbox.
    name: 'Redis down until the sync has finished',
    records: size * 2,
    fault: async (world, running) => {
      await sleep(2_000);
      await world.stack.restart('redis', async () => {
        while (running()) await sleep(500);
        await sleep(3_000);
      });
    },
  },
  {
    // With a 1 s retention a stream nobody reads would be emptied as it fills: a group that reads nothing keeps it.
    name: 'consumer group reading nothing, 1 s retention',
    records: size * 2,
    workerEnv: { EVENT_STREAM_RETENTION: '1s' },
    before: (world) => world.redis((r) => r.xgroup('CREATE', world.env.bus.streamKey, 'chaos-idle-reader', '$', 'MKSTREAM')),
    after: (world) => world.redis((r) => r.xgroup('DESTROY', world.env.bus.streamKey, 'chaos-idle-reader')),
    fault: async () => undefined,
  },
  {
    name: 'provider THROTTLED/5xx on 30% of requests for 60 s',
    records: size * 2,
    shop: { faults: { rate: 0.3, forMs: 60_000 } },
    fault: async () => undefined,
  },
  {
    name: 'PostgreSQL restarted',
    records: size * 2,
    fault: async (world) => {
      await sleep(2_000);
      await world.stack.restart('postgres', 3_000);
    },
  },
];

interface Row {
  scenario: string;
  engine: 'temporal' | 'bullmq';
  completed: boolean;
  recordsExpected: number;
  stored: number;
  duplicates: number;
  eventsExpected: number;
  eventsSeen: number;
  redelivered: number;
  lost: number;
  seconds: number;
}

async function audit(world: World, engine: Row['engine'], scenario: Scenario, integrationId: string, tail: string, completed: boolean, seconds: number): Promise<Row> {
  const { rows } = await world.env.db.query<{ total: string; distinct: string }>(
    `SELECT count(*) AS total, count(DISTINCT external_id) AS distinct FROM shards WHERE integration_id = $1`,
    [integrationId],
  );
  const stored = Number(rows[0]!.distinct);
  const events = await auditStream(world.env.servers.redisUrl, world.env.bus.streamKey, tail);
  const expected: Record<string, number> = {
    'integration.data.raw.batch': Math.ceil(scenario.records / PAGE),
    'integration.data.mapped': scenario.records,
    'integration.sync.order.created': scenario.records,
    ...(engine === 'temporal' ? { 'integration.sync.started': 1, 'integration.sync.completed': 1 } : {}),
  };
  let eventsSeen = 0;
  let eventsLost = 0;
  for (const [type, count] of Object.entries(expected)) {
    const seen = events.distinct.get(type)?.size ?? 0;
    eventsSeen += Math.min(seen, count);
    eventsLost += Math.max(0, count - seen);
  }
  const eventsExpected = Object.values(expected).reduce((a, b) => a + b, 0);
  const distinctAll = [...events.distinct.values()].reduce((n, ids) => n + ids.size, 0);
  return {
    scenario: scenario.name,
    engine,
    completed,
    recordsExpected: scenario.records,
    stored,
    duplicates: Number(rows[0]!.total) - stored,
    eventsExpected,
    eventsSeen,
    redelivered: events.entries - distinctAll,
    lost: Math.max(0, scenario.records - stored) + eventsLost,
    seconds,
  };
}

async function runTemporal(world: World, scenario: Scenario): Promise<Row> {
  const { env } = world;
  const shop = await startFakeShopifyProcess({ generatedOrders: scenario.records, ...scenario.shop });
  try {
    const integrationId = await seedShop(env, shop.baseUrl);
    const tail = await streamTail(env.servers.redisUrl, env.bus.streamKey);
    const started = Date.now();
    const handle = await env.client.workflow.start(integrationSync, {
      taskQueue: env.taskQueue,
      workflowId: syncWorkflowId(integrationId),
      args: [{ integrationId, tenantId: TENANT, trigger: 'manual', mode: 'full_refresh', correlationId: randomUUID(), tuning: { heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS } }],
    });
    let running = true;
    const fault = scenario.fault(world, () => running);
    // The client's long poll may fail while the Temporal server is down; the sync goes on, so ask again.
    const state = await waitForResult(() => handle.result(), 15 * 60_000).finally(() => (running = false));
    await fault;
    // What waited in the outbox (Redis was away) is the relay's to deliver before the stream is audited.
    for (const deadline = Date.now() + 5 * 60_000; (await outboxBacklog(env.db)).events > 0 && Date.now() < deadline; ) await sleep(500);
    return await audit(world, 'temporal', scenario, integrationId, tail, state.status === 'completed', (Date.now() - started) / 1000);
  } finally {
    await shop.stop();
  }
}

async function runBullmq(world: World, scenario: Scenario, timeoutMs: number): Promise<Row> {
  const { env } = world;
  const bullEnv: BullmqPeerEnv = { ...pipelineEnvOf(env), BULLMQ_QUEUE: `chaos-${env.taskQueue}`, EVENT_STREAM_MAXLEN: '10000000' };
  let workers: ChildProcess[] = Array.from({ length: 3 }, () => startBullmqWorker(bullEnv));
  const bullWorld: World = {
    ...world,
    killRandomWorker: async () => {
      const victim = workers[Math.floor(Math.random() * workers.length)]!;
      victim.kill('SIGKILL');
      workers = [...workers.filter((w) => w !== victim), startBullmqWorker(bullEnv)];
      world.log('killed a BullMQ worker and started another');
    },
  };
  const shop = await startFakeShopifyProcess({ generatedOrders: scenario.records, ...scenario.shop });
  try {
    const integrationId = await seedShop(env, shop.baseUrl);
    const tail = await streamTail(env.servers.redisUrl, env.bus.streamKey);
    const started = Date.now();
    let running = true;
    const sync = runBullmqSync(bullEnv, newRef(integrationId), 'Order', 5_000, timeoutMs).then(
      () => true,
      () => false,
    );
    const fault = scenario.fault(bullWorld, () => running);
    const completed = await sync.finally(() => (running = false));
    await fault;
    return await audit(world, 'bullmq', scenario, integrationId, tail, completed, (Date.now() - started) / 1000);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await shop.stop();
  }
}

function table(rows: Row[]): string {
  const header = ['scenario', 'engine', 'completed', 'records expected', 'stored', 'duplicates', 'events expected', 'events seen', 'redelivered', 'lost', 'seconds'];
  const cells = rows.map((r) => [r.scenario, r.engine, r.completed ? 'yes' : 'NO', r.recordsExpected, r.stored, r.duplicates, r.eventsExpected, r.eventsSeen, r.redelivered, r.lost, r.seconds.toFixed(0)].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string' }, only: { type: 'string' }, 'skip-bullmq': { type: 'boolean' }, out: { type: 'string' } } });
  // size × 5 records for the worker-kill scenario (50,000 by default), size × 2 for the others.
  const size = Number(values.size ?? 10_000);
  if (!Number.isInteger(size) || size < PAGE || size % PAGE !== 0) throw new Error(`--size takes a multiple of ${PAGE}, got ${values.size}`);
  const chosen = scenarios(size).filter((s, i) => !values.only || values.only.split(',').includes(String(i + 1)));
  const root = path.resolve(__dirname, '..');
  const dataDir = path.join(root, '.data', `chaos-${process.pid}`);
  const log = (message: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

  log('starting a durable Temporal dev server, PostgreSQL and Redis');
  const stack = await startStack({ dataDir, durable: true });
  const env = await createIntegrationEnv(stack.servers);
  const workerEnv = { EVENT_STREAM_MAXLEN: '10000000' };
  let workers: WorkerProcess[] = await Promise.all([1, 2, 3].map(() => env.startWorker(workerEnv)));
  const world: World = {
    stack,
    env,
    log,
    killRandomWorker: async () => {
      const victim = workers[Math.floor(Math.random() * workers.length)]!;
      await victim.stop('SIGKILL');
      workers = [...workers.filter((w) => w !== victim), await env.startWorker(workerEnv)];
      log('killed a worker and started another');
    },
    restartWorkers: async (extraEnv) => {
      await Promise.all(workers.map((w) => w.stop()));
      workers = await Promise.all([1, 2, 3].map(() => env.startWorker({ ...workerEnv, ...extraEnv })));
    },
    redis: async (command) => {
      const client = new Redis(stack.servers.redisUrl);
      try {
        return await command(client);
      } finally {
        client.disconnect();
      }
    },
  };
  const stop = async () => {
    await env.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));

  const rows: Row[] = [];
  try {
    for (const scenario of chosen) {
      log(`scenario: ${scenario.name} (${scenario.records} records)`);
      if (scenario.workerEnv) await world.restartWorkers(scenario.workerEnv);
      await scenario.before?.(world);
      rows.push(await runTemporal(world, scenario));
      await scenario.after?.(world);
      if (scenario.workerEnv) await world.restartWorkers({});
      log(JSON.stringify(rows.at(-1)));
    }
    const killing = chosen.find((s) => s.name.includes('SIGKILL'));
    if (killing && !values['skip-bullmq']) {
      log(`BullMQ peer: ${killing.name}`);
      rows.push(await runBullmq(world, killing, 5 * 60_000));
      log(JSON.stringify(rows.at(-1)));
    }
  } finally {
    await stop();
  }
  console.log(table(rows));
  const out = values.out ?? path.join(root, 'bench', 'results', 'chaos-latest.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ takenAt: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
  const failed = rows.filter((r) => r.engine === 'temporal' && (!r.completed || r.lost > 0 || r.duplicates > 0));
  if (failed.length) {
    process.stderr.write(`chaos: ${failed.length} scenario(s) lost or duplicated data: ${failed.map((r) => r.scenario).join('; ')}\n`);
    process.exit(1);
  }
}

main().catch((err) => {
  process.stderr.write(`chaos failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
