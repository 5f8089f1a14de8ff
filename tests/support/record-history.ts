import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findTool } from '../../scripts/tools';

export const HISTORIES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');

/** With RECORD_HISTORIES=1, keeps a run's history (as the Temporal CLI exports it) for the replay test; the latest run unless `runId` says. */
export function recordHistory(name: string, workflowId: string, temporalAddress: string, runId?: string): void {
  if (!process.env.RECORD_HISTORIES) return;
  const run = runId ? ['--run-id', runId] : [];
  const json = execFileSync(findTool('temporal')!, ['workflow', 'show', '--workflow-id', workflowId, ...run, '--address', temporalAddress, '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), json);
}
