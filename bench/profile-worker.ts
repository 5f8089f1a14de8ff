// `npx tsx bench/profile-worker.ts [records]`: a CPU profile of the Temporal worker over one sync (V8's --cpu-prof,
// written when the worker exits, to .data/worker-profile/), beside bench/profile-raw.ts's of the raw pipeline: the
// two run the same page code, so what the worker's profile has beyond it is the Temporal path's own cost.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { seedShop, syncThroughTemporal } from './context';
import { cpuMsByThread } from './cpu';
import { runScript, withOwnStack } from './own-stack';
import { timed } from './figures';

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 20_000);
  const out = path.resolve(__dirname, '..', '.data', 'worker-profile');
  rmSync(out, { recursive: true, force: true });
  await withOwnStack(records, async (env, shop) => {
    const worker = await env.startWorker({}, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${out}`] });
    const integrationId = await seedShop(env, shop.baseUrl);
    const before = cpuMsByThread(worker.child.pid!);
    const { ms } = await timed(() => syncThroughTemporal(env.client, env.taskQueue, integrationId));
    // Beside V8's profile (JavaScript threads only): every thread of the worker, the SDK's native ones included.
    for (const [name, spent] of cpuMsByThread(worker.child.pid!)) {
      const delta = spent - (before.get(name) ?? 0);
      if (delta > 0) console.log(`thread ${name.padEnd(16)} ${delta.toFixed(0).padStart(6)} ms CPU, ${((delta * 1000) / records).toFixed(1)} µs per record`);
    }
    await worker.stop();
    console.log(`${records} records in ${(ms / 1000).toFixed(1)} s (${Math.round(records / (ms / 1000))}/s); profile: ${readdirSync(out).map((f) => path.join(out, f)).join(', ')}`);
  });
}

runScript(main);
