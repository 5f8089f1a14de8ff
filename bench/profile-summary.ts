// `npx tsx bench/profile-summary.ts FILE.cpuprofile [records] [top] [--window FUNCTION] [--inclusive]`: time per
// function of a V8 CPU profile (profile-raw.ts, profile-worker.ts), heaviest first, in ms and, given the records of
// the sync, µs per record. `--window processPage` keeps only the samples from the first to the last one inside that
// function (the sync, not the process's start-up and shutdown); `--inclusive` counts a function's callees in its time.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function nameOf(node: ProfileNode): string {
  const frame = node.callFrame;
  const where = frame.url ? `${path.relative(process.cwd(), frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { window: { type: 'string' }, inclusive: { type: 'boolean' } }, allowPositionals: true });
  const windowFunction = values.window;
  const inclusive = values.inclusive ?? false;
  const [file, recordsArg, topArg] = positionals;
  if (!file) throw new Error('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [records] [top] [--window FUNCTION] [--inclusive]');
  const records = Number(recordsArg ?? 0);
  const top = Number(topArg ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  // Per profile node, not per sample: a profile has far fewer nodes than samples.
  const stacks = new Map<number, Set<string>>();
  const stackOf = (id: number) => {
    let names = stacks.get(id);
    if (!names) {
      names = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) names.add(nameOf(byId.get(at)!));
      stacks.set(id, names);
    }
    return names;
  };
  const inWindow = (names: Set<string>) => windowFunction !== undefined && [...names].some((n) => n.split(' ')[0] === windowFunction);
  let first = 0;
  let last = profile.samples.length - 1;
  if (windowFunction !== undefined) {
    const hits = profile.samples.map((id, i) => (inWindow(stackOf(id)) ? i : -1)).filter((i) => i >= 0);
    if (hits.length === 0) throw new Error(`no sample inside ${windowFunction}`);
    [first, last] = [hits[0]!, hits.at(-1)!];
  }
  const timeUs = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (let i = first; i <= last; i++) {
    const id = profile.samples[i]!;
    const delta = profile.timeDeltas[i] ?? 0;
    const self = nameOf(byId.get(id)!);
    for (const name of inclusive ? stackOf(id) : [self]) timeUs.set(name, (timeUs.get(name) ?? 0) + delta);
    totalUs += delta;
    if (self === '(idle)') idleUs += delta;
  }
  const window = windowFunction !== undefined ? ` within ${windowFunction}'s first to last sample` : '';
  console.log(`${(totalUs / 1000).toFixed(0)} ms sampled${window}, ${(((totalUs - idleUs) / totalUs) * 100).toFixed(0)}% busy${records ? `, ${((totalUs - idleUs) / records).toFixed(1)} µs busy per record` : ''}`);
  for (const [name, us] of [...timeUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = `${((us / totalUs) * 100).toFixed(1)}%`.padStart(6);
    console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${share}${records ? ` ${(us / records).toFixed(2).padStart(7)} µs/rec` : ''}  ${name}`);
  }
}

main();
