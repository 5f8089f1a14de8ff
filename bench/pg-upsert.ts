// PostgreSQL's CPU per record for the shard upsert alone (issue #20 item 2): the bench's own orders, synced once by
// the raw pipeline, read back and upserted again in pages of 250 into fresh integrations, PostgreSQL's CPU (the
// postmaster and its backends, from /proc) and this process's (the client's encoding) measured around each run.
// `npx tsx bench/pg-upsert.ts [records] [page size, 250] [--prefill N]`; --prefill first fills the table with N more
// rows (copies of the orders under other ids), for what a large table costs each insert.
import { randomUUID } from 'node:crypto';
import { upsertShards, type ShardInput } from '../store/shards';
import { newRef, pipelineEnvOf, seedShop, TENANT } from './context';
import { CpuMeter, pidListeningOn } from './cpu';
import { runScript, withOwnStack } from './own-stack';
import { runRawInProcess } from './raw-pipeline';

const PAGE = Number(process.argv[3] && !process.argv[3].startsWith('--') ? process.argv[3] : 250);
const PREFILL = Number(process.argv[process.argv.indexOf('--prefill') + 1] ?? 0) || 0;

async function main(): Promise<void> {
  await withOwnStack(Number(process.argv[2] ?? 30_000), async (env, shop) => {
    const source = await seedShop(env, shop.baseUrl);
    await runRawInProcess(pipelineEnvOf(env), newRef(source), 'Order');
    const { rows } = await env.db.query<{ external_id: string; json: string; content_hash: string }>(
      `SELECT external_id, data::text AS json, content_hash FROM shards WHERE integration_id = $1 ORDER BY created_at, external_id`,
      [source],
    );
    const inputs: ShardInput[] = rows.map((r) => ({ externalId: r.external_id, json: r.json, contentHash: r.content_hash, data: {} }));
    for (let copy = 0; copy * inputs.length < PREFILL; copy++) {
      await env.db.query(
        `INSERT INTO shards (tenant_id, integration_id, entity_type, external_id, data, content_hash, sync_task_id, last_change)
         SELECT tenant_id, integration_id, entity_type, external_id || '-copy' || $2, data, content_hash, sync_task_id, last_change
           FROM shards WHERE integration_id = $1 AND external_id NOT LIKE '%-copy%' LIMIT $3`,
        [source, copy, PREFILL - copy * inputs.length],
      );
    }
    if (PREFILL > 0) await env.db.query('VACUUM ANALYZE shards');
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
    console.log(`(${inputs.length} records of ${Math.round(inputs.reduce((n, s) => n + s.json.length, 0) / inputs.length)} bytes each, pages of ${PAGE}, ${PREFILL} rows before)`);
  });
}

runScript(main);
