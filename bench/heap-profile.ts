// `npx tsx bench/heap-profile.ts [records] [--all]`: where the raw pipeline's heap goes, by allocating function, in
// bytes per record (V8's sampling heap profiler, in-process). By default only what outlived the young generation
// (objects collected by minor GCs left out): what scavenges copy and promote, the garbage collector's work. --all:
// every allocation, collected or not.
import { Session } from 'node:inspector/promises';
import { newRef, pipelineEnvOf, seedShop } from './context';
import { runScript, withOwnStack } from './own-stack';
import { pipelineDeps, runPages } from './raw-pipeline';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 20_000);
  const all = process.argv.includes('--all');
  await withOwnStack(records, async (env, shop) => {
    const ref = newRef(await seedShop(env, shop.baseUrl));
    const deps = pipelineDeps(pipelineEnvOf(env));
    const session = new Session();
    session.connect();
    try {
      await session.post('HeapProfiler.enable');
      // The two include… options are newer than @types/node's protocol types.
      await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMinorGC: all, includeObjectsCollectedByMajorGC: true } as object);
      await runPages(deps, ref, 'Order', null);
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
      const byFunction = new Map<string, number>();
      const walk = (node: ProfileNode) => {
        const { functionName, url, lineNumber } = node.callFrame;
        const name = `${functionName || '(anonymous)'} ${url.replace(/.*\/(node_modules\/)?/, '')}:${lineNumber}`;
        byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
        for (const child of node.children) walk(child);
      };
      walk(profile.head);
      const total = [...byFunction.values()].reduce((a, b) => a + b, 0);
      console.log(`${all ? 'allocated' : 'outlived the young generation'}: ${(total / 1e6).toFixed(1)} MB, ${(total / records).toFixed(0)} bytes per record`);
      for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(bytes / records).toFixed(0).padStart(7)} B/record  ${name}`);
    } finally {
      session.disconnect();
      await deps.close();
    }
  });
}

runScript(main);
