// `npx tsx bench/profile-summary.ts FILE.cpuprofile [records] [top]`: self time per function of a V8 CPU profile
// (profile-raw.ts, profile-worker.ts), heaviest first, in ms and, given the records of the sync, µs per record.
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const [file, recordsArg, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [records] [top]');
  const records = Number(recordsArg ?? 0);
  const top = Number(topArg ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url ? `${path.relative(process.cwd(), frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    const delta = profile.timeDeltas[i] ?? 0;
    selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
    totalUs += delta;
  });
  const idle = selfUs.get('(idle)') ?? 0;
  console.log(`${(totalUs / 1000).toFixed(0)} ms sampled, ${(((totalUs - idle) / totalUs) * 100).toFixed(0)}% busy${records ? `, ${((totalUs - idle) / records).toFixed(1)} µs busy per record` : ''}`);
  for (const [name, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = `${((us / totalUs) * 100).toFixed(1)}%`.padStart(6);
    console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${share}${records ? ` ${(us / records).toFixed(2).padStart(7)} µs/rec` : ''}  ${name}`);
  }
}

main();
