// PostgreSQL's CPU per record for the shard upsert alone (issue #20 item 2): the bench's own orders, synced once by
// the raw pipeline, read back and upserted again in pages of 250 into fresh integrations, PostgreSQL's CPU (the
// postmaster and its backends, from /proc) and this process's (the client's encoding) measured around each run.
// `npx tsx bench/pg-upsert.ts 30000`
import { randomUUID } from 'node:crypto';
import { upsertShards, type ShardInput } from '../store/shards';
import { newRef, pipelineEnvOf, seedShop, TENANT } from './context';
import { CpuMeter, pidListeningOn } from './cpu';
import { runScript, withOwnStack } from './own-stack';
import { runRawInProcess } from './raw-pipeline';

const PAGE = 250;

async function main(): Promise<void> {
  await withOwnStack(Number(process.argv[2] ?? 30_000), async (env, shop) => {
    const source = await seedShop(env, shop.baseUrl);
    await runRawInProcess(pipelineEnvOf(env), newRef(source), 'Order');
    const { rows } = await env.db.query<{ external_id: string; json: string; content_hash: string }>(
      `SELECT external_id, data::text AS json, content_hash FROM shards WHERE integration_id = $1 ORDER BY created_at, external_id`,
      [source],
    );
    const inputs: ShardInput[] = rows.map((r) => ({ externalId: r.external_id, json: r.json, contentHash: r.content_hash, data: {} }));
    const postgres = new CpuMeter({ postgres: { pid: pidListeningOn(Number(new URL(env.servers.postgresAdminUrl).port)), tree: true } });
    const run = async (label: string, integrationId: string, change: (s: ShardInput) => ShardInput = (s) => s) => {
      const key = { tenantId: TENANT, integrationId, entityType: 'Order', syncTaskId: randomUUID() };
      const pages = [];
      for (let i = 0; i < inputs.length; i += PAGE) pages.push(inputs.slice(i, i + PAGE).map(change));
      postgres.start();
      const client = process.cpuUsage();
      const started = process.hrtime.bigint();
      for (const page of pages) await upsertShards(env.db, key, page);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const cpuMs = postgres.delta().postgres!;
      const { user, system } = process.cpuUsage(client);
      const perRecord = (us: number) => `${(us / inputs.length).toFixed(1)} µs`;
      console.log(`${label.padEnd(28)} PostgreSQL ${perRecord(cpuMs * 1000)} CPU/record, this process (pg's encoding) ${perRecord(user + system)}, wall ${perRecord(wallMs * 1000)}/record`);
    };
    for (let rep = 1; rep <= 3; rep++) {
      const target = await seedShop(env, shop.baseUrl);
      await run(`rep ${rep}: insert`, target);
      await run(`rep ${rep}: unchanged`, target);
      await run(`rep ${rep}: update`, target, (s) => ({ ...s, contentHash: `${s.contentHash}x` }));
    }
    console.log(`(${inputs.length} records of ${Math.round(inputs.reduce((n, s) => n + s.json.length, 0) / inputs.length)} bytes each)`);
  });
}

runScript(main);
