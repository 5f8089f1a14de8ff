// Figure 5: one checkDueSyncs tick over a large integrations table with 1% due: with the default back-pressure
// (MAX_SYNC_STARTS_PER_TICK starts per tick) and with every due one started in that tick. The started syncs go to a
// task queue no worker polls, so the figure is the tick's own work, not the syncs'.
import { envFields } from '../config/env';
import { Keyring } from '../security/keyring';
import { checkDueSyncs } from '../workflows';
import { type BenchContext } from './context';
import { FAKE_SHOP_TOKEN } from './fake-shopify-process';
import { figure, timed, type Figure } from './figures';

const TENANT = 'bench-due';
/** MAX_SYNC_STARTS_PER_TICK's default: the back-pressure a production tick runs with. */
const DEFAULT_MAX_STARTS = envFields.MAX_SYNC_STARTS_PER_TICK.parse(undefined);

export async function measureDueCheck(ctx: BenchContext): Promise<Figure[]> {
  const { env, sizes } = ctx;
  const { integrations, duePercent } = sizes.dueCheck;
  const every = Math.round(100 / duePercent);
  const sealed = new Keyring(Buffer.from(env.encryptionKey, 'hex')).seal({ accessToken: FAKE_SHOP_TOKEN });
  await env.db.query(
    `INSERT INTO integrations (tenant_id, provider, name, config, next_sync_at)
     SELECT $1, 'shopify', 'due-check ' || g, '{"baseUrl": "http://127.0.0.1:9"}', now() + interval '1 day' FROM generate_series(1, $2) g`,
    [TENANT, integrations],
  );
  await env.db.query(
    `INSERT INTO connections (integration_id, tenant_id, kind, secrets, secrets_key_id) SELECT id, tenant_id, 'api_key', $2, $3 FROM integrations WHERE tenant_id = $1`,
    [TENANT, sealed.blob, sealed.keyId],
  );
  await env.db.query('ANALYZE integrations');
  const worker = await env.startWorker();
  const seconds = { perTickDefault: [] as number[], allAtOnce: [] as number[] };
  let group = 0;
  try {
    for (const [variant, maxStarts] of [['perTickDefault', DEFAULT_MAX_STARTS], ['allAtOnce', Infinity]] as const) {
      for (let rep = 0; rep < sizes.reps; rep++) {
        // A different 1% each time, so no sync of an earlier tick is still "running" for this one.
        const { rowCount } = await env.db.query(
          `UPDATE integrations SET next_sync_at = now() - interval '1 minute' WHERE tenant_id = $1 AND split_part(name, ' ', 2)::int % $2 = $3`,
          [TENANT, every, group++],
        );
        const due = rowCount ?? 0;
        const starts = Math.min(due, maxStarts);
        const { ms, result } = await timed(() =>
          env.client.workflow.execute(checkDueSyncs, {
            taskQueue: env.taskQueue,
            workflowId: `bench-due-check-${group}-${Date.now()}`,
            args: [{ maxStarts: starts, syncTaskQueue: `${env.taskQueue}-unpolled` }],
          }),
        );
        if (result.started.length !== starts) throw new Error(`due check started ${result.started.length} of ${starts}`);
        // Leave none due for the next tick: what this tick did not take, the next group's tick must not find.
        await env.db.query(`UPDATE integrations SET next_sync_at = now() + interval '1 day' WHERE tenant_id = $1 AND next_sync_at <= now()`, [TENANT]);
        seconds[variant].push(ms / 1000);
        ctx.log(`due check: ${due} of ${integrations} due, ${starts} started in one tick, ${(ms / 1000).toFixed(2)} s`);
      }
    }
  } finally {
    await worker.stop();
  }
  const label = `${integrations.toLocaleString('en-US')} integrations, ${duePercent}% due`;
  return [
    figure(`due check tick (${label}; ${DEFAULT_MAX_STARTS} starts, the default per tick)`, 's', seconds.perTickDefault, { text: '≤ 5 s', met: (m) => m <= 5 }),
    figure(`due check tick (${label}; all due started in one tick)`, 's', seconds.allAtOnce),
  ];
}
