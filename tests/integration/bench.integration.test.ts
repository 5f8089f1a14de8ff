// The quick benchmark (every measurement, tiny) on this run's servers, so `npm run bench` cannot rot unnoticed.
// Its figures are not judged here: speed is measured by the full benchmark, not by timed tests.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SERVERS_FILE } from '../support/servers-file';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

interface Result {
  mode: string;
  node: string;
  machine: { cpus: number };
  figures: Array<{ name: string; unit: string; median: number; samples: number[] }>;
}

describe('npm run bench -- --quick', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes every figure end to end and writes them with the machine they came from', async () => {
    const out = path.join(dir, 'quick.json');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), '--quick', '--servers', SERVERS_FILE, '--out', out], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const result = JSON.parse(readFileSync(out, 'utf8')) as Result;
    expect(result).toMatchObject({ mode: 'quick', node: process.version });
    expect(result.machine.cpus).toBeGreaterThan(0);
    const byName = (prefix: string) => {
      const found = result.figures.find((f) => f.name.startsWith(prefix));
      if (!found) throw new Error(`no figure "${prefix}" in ${result.figures.map((f) => f.name).join(', ')}`);
      return found;
    };
    for (const prefix of ['raw pipeline', 'Temporal, 1 worker', 'BullMQ peer', '3 syncs at once, 1 worker', '3 syncs at once, 2 worker']) {
      expect(byName(prefix).median).toBeGreaterThan(0);
    }
    expect(byName('Temporal / raw').median).toBeGreaterThan(0);
    // A 1,000-record sync is one chunk: a handful of workflow and activity events, never one per page or record.
    expect(byName('history events per 1,000 records').median).toBeGreaterThan(5);
    expect(byName('history events per 1,000 records').median).toBeLessThan(60);
    expect(byName('worker peak RSS, 1,000').median).toBeGreaterThan(50);
    for (const variant of ['API and Temporal only', 'API + worker on one host']) {
      expect(byName(`webhook requests failed (${variant})`).median).toBe(0);
      expect(byName(`webhook → start/signal recorded, p99 (${variant})`).median).toBeGreaterThan(0);
    }
    expect(byName('due check tick').median).toBeGreaterThan(0);
    // Shopify's query cost bucket: the connector's pace keeps the sync from being answered THROTTLED.
    expect(byName('provider-bound: queries answered THROTTLED').median).toBe(0);
    expect(byName('provider-bound sync time').median).toBeGreaterThanOrEqual(1);
    expect(stdout).toContain('Temporal / raw');
  }, 300_000);
});
