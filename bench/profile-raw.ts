// `npx tsx bench/profile-raw.ts [records]`: a CPU profile of the raw pipeline alone (written to .data/raw.cpuprofile,
// open it in Chrome DevTools or speedscope), to find what bounds the throughput figure.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { newRef, pipelineEnvOf, seedShop } from './context';
import { runScript, withOwnStack } from './own-stack';
import { timed } from './figures';
import { pipelineDeps, runPages } from './raw-pipeline';

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 20_000);
  await withOwnStack(records, async (env, shop) => {
    const session = new Session();
    try {
      const ref = newRef(await seedShop(env, shop.baseUrl));
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      const deps = pipelineDeps(pipelineEnvOf(env));
      const { ms } = await timed(() => runPages(deps, ref, 'Order', null));
      await deps.close();
      const { profile } = await session.post('Profiler.stop');
      const out = path.resolve(__dirname, '..', '.data', 'raw.cpuprofile');
      writeFileSync(out, JSON.stringify(profile));
      console.log(`${records} records in ${(ms / 1000).toFixed(1)} s (${Math.round(records / (ms / 1000))}/s); profile in ${out}`);
    } finally {
      session.disconnect();
    }
  });
}

runScript(main);
