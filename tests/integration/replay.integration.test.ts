// Histories recorded from real runs (RECORD_HISTORIES=1 npm test) replay against today's workflow code: a change
// that would break running syncs fails here instead of in production. Guard such changes with patched().
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as workflows from '../../workflows';
import { SERVERS_FILE, type TestServers } from '../support/servers-file';

interface StartedHistory {
  events: Array<{ workflowExecutionStartedEventAttributes: { workflowType: { name: string } } }>;
}

const ROOT = path.resolve(__dirname, '..', '..');
const HISTORIES = path.join(ROOT, 'tests', 'fixtures', 'histories');

describe('replay of recorded workflow histories', () => {
  const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

  it('has a recorded history of every workflow the workers run, and of each sync shape', () => {
    const recordedTypes = new Set(
      files.map((f) => (JSON.parse(readFileSync(path.join(HISTORIES, f), 'utf8')) as StartedHistory).events[0]!.workflowExecutionStartedEventAttributes.workflowType.name),
    );
    const workflowTypes = Object.entries(workflows).filter(([, value]) => typeof value === 'function').map(([name]) => name);
    expect(workflowTypes.filter((type) => !recordedTypes.has(type))).toEqual([]);
    // integrationSync's paths that add commands of their own: a worker kill, an extra pass, a cancel, a token refresh,
    // a bulk export waited for on timers (patched: the histories from before it replay without it), a start with its
    // own signal and an extra pass decided without the zero-length timer the older histories have, a bulk export read
    // as parts at once (patched) and the run that continues them, a bulk export checked at waits growing by half
    // instead of doubling (patched: sync-bulk-export.json is from before).
    expect(files).toEqual(
      expect.arrayContaining([
        'sync-after-worker-kill.json',
        'sync-with-extra-pass.json',
        'sync-cancelled.json',
        'sync-with-token-refresh.json',
        'sync-bulk-export.json',
        'sync-bulk-export-checks-1.5x.json',
        'sync-signal-with-start.json',
        'sync-bulk-parts.json',
        'sync-bulk-parts-continued.json',
      ]),
    );
  });

  // In a child process: the SDK's protobuf classes do not survive jest's module registry.
  it('replays every recorded history without a nondeterminism error', () => {
    const servers = JSON.parse(readFileSync(SERVERS_FILE, 'utf8')) as TestServers;
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'replay-histories.ts'), HISTORIES], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', WORKFLOW_BUNDLE_PATH: servers.workflowBundlePath },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stdout).toContain(`replayed ${files.length} histories, 0 failed`);
    expect(result.stdout).not.toContain('FAIL');
    expect(result.status).toBe(0);
  });
});
