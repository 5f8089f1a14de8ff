// `npx tsx bench/profile-worker.ts [records] [--gc]`: a CPU profile of the Temporal worker over one sync (V8's
// --cpu-prof, written when the worker exits, to .data/worker-profile/), beside bench/profile-raw.ts's of the raw
// pipeline: the two run the same page code, so what the worker's profile has beyond it is the Temporal path's own
// cost. With --gc, no profile: the worker's garbage collections over the sync instead (V8's --trace-gc-nvp), how many,
// their pauses, what they promoted and what survived in the young generation.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { seedShop, syncThroughTemporal } from './context';
import { cpuMsByThread } from './cpu';
import { runScript, withOwnStack } from './own-stack';
import { timed } from './figures';

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 20_000);
  const gcOnly = process.argv.includes('--gc');
  const out = path.resolve(__dirname, '..', '.data', 'worker-profile');
  rmSync(out, { recursive: true, force: true });
  await withOwnStack(records, async (env, shop) => {
    const worker = await env.startWorker({}, { nodeArgs: gcOnly ? ['--trace-gc-nvp'] : ['--cpu-prof', `--cpu-prof-dir=${out}`] });
    const gc = new GcTally();
    worker.child.stdout!.on('data', (chunk: Buffer) => gc.add(chunk.toString()));
    const integrationId = await seedShop(env, shop.baseUrl);
    const before = cpuMsByThread(worker.child.pid!);
    gc.reset();
    const { ms } = await timed(() => syncThroughTemporal(env.client, env.taskQueue, integrationId));
    // Beside V8's profile (JavaScript threads only): every thread of the worker, the SDK's native ones included.
    for (const [name, spent] of cpuMsByThread(worker.child.pid!)) {
      const delta = spent - (before.get(name) ?? 0);
      if (delta > 0) console.log(`thread ${name.padEnd(16)} ${delta.toFixed(0).padStart(6)} ms CPU, ${((delta * 1000) / records).toFixed(1)} µs per record`);
    }
    if (gcOnly) console.log(gc.summary(records));
    await worker.stop();
    const where = gcOnly ? '' : `; profile: ${readdirSync(out).map((f) => path.join(out, f)).join(', ')}`;
    console.log(`${records} records in ${(ms / 1000).toFixed(1)} s (${Math.round(records / (ms / 1000))}/s)${where}`);
  });
}

/** Sums V8's --trace-gc-nvp lines: `gc=s` a scavenge, `gc=mc` a mark-compact; pause in ms, promoted and survived in bytes. */
class GcTally {
  private partial = '';
  private readonly kinds = new Map<string, { count: number; pauseMs: number; promoted: number; survived: number }>();

  add(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      const kind = / gc=(\w+) /.exec(line)?.[1];
      if (!kind) continue;
      const field = (name: string) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
      const tally = this.kinds.get(kind) ?? { count: 0, pauseMs: 0, promoted: 0, survived: 0 };
      tally.count += 1;
      tally.pauseMs += field('pause');
      tally.promoted += field('promoted');
      tally.survived += field('new_space_survived');
      this.kinds.set(kind, tally);
    }
  }

  reset(): void {
    this.kinds.clear();
  }

  summary(records: number): string {
    const names: Record<string, string> = { s: 'scavenges', mc: 'mark-compacts', ms: 'mark-sweeps' };
    return [...this.kinds]
      .map(([kind, t]) => `${t.count} ${names[kind] ?? kind}: ${t.pauseMs.toFixed(0)} ms paused (${((t.pauseMs * 1000) / records).toFixed(1)} µs per record), ${(t.promoted / 1e6).toFixed(0)} MB promoted (${(t.promoted / records / 1024).toFixed(1)} KB per record), ${(t.survived / 1e6).toFixed(0)} MB survived in the young generation`)
      .join('\n');
  }
}

runScript(main);
