// Repetitions, medians and spreads, the RSS sampler, and the printed table.
import { readFileSync } from 'node:fs';

export interface Figure {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  samples: number[];
  goal?: string;
  met?: boolean;
  note?: string;
}

export function figure(name: string, unit: string, samples: number[], goal?: { text: string; met: (median: number) => boolean }, note?: string): Figure {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    name,
    unit,
    median,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    samples,
    ...(goal ? { goal: goal.text, met: goal.met(median) } : {}),
    ...(note ? { note } : {}),
  };
}

/** Peak resident set size of a process (from /proc), sampled every `everyMs` until stopped. */
export function sampleRss(pid: number, everyMs = 100): { stop(): { startMb: number; peakMb: number; lastMb: number } } {
  const read = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  const start = read();
  let peak = start;
  let last = start;
  const timer = setInterval(() => {
    last = read();
    peak = Math.max(peak, last);
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { startMb: start, peakMb: peak, lastMb: last };
    },
  };
}

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await run();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

export function printTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    `${fmt(f.median)} ${f.unit}`,
    f.samples.length > 1 ? `${fmt(f.min)}–${fmt(f.max)}` : '',
    f.goal ?? '',
    f.met === undefined ? '' : f.met ? 'met' : 'MISSED',
  ]);
  const header = ['figure', 'median', 'spread (min–max)', 'goal', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
