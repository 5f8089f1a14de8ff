// `npx tsx bench/profile-raw.ts [records]`: a CPU profile of the raw pipeline alone (written to .data/raw.cpuprofile,
// open it in Chrome DevTools or speedscope), to find what bounds the throughput figure.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { createIntegrationEnv } from '../tests/support/integration-env';
import { startStack } from '../tests/support/stack';
import { newRef, pipelineEnvOf, seedShop } from './context';
import { startFakeShopifyProcess } from './fake-shopify-process';
import { timed } from './figures';
import { pipelineDeps, runPages } from './raw-pipeline';

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 20_000);
  const dataDir = path.resolve(__dirname, '..', '.data', `profile-${process.pid}`);
  const stack = await startStack({ dataDir });
  const env = await createIntegrationEnv(stack.servers);
  const shop = await startFakeShopifyProcess({ generatedOrders: records });
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
    await shop.stop();
    await env.close();
    await stack.stop();
  }
}

void main();
