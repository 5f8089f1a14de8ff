// Histories recorded from real runs (RECORD_HISTORIES=1 npm test) replay against today's workflow code: a change
// that would break running syncs fails here instead of in production. Guard such changes with patched().
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVERS_FILE, type TestServers } from '../support/servers-file';

const ROOT = path.resolve(__dirname, '..', '..');
const HISTORIES = path.join(ROOT, 'tests', 'fixtures', 'histories');

describe('replay of recorded workflow histories', () => {
  const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

  it('has a recorded history of each workflow and sync shape (due check, sweep, refresh, worker kill, extra pass, cancel, token refresh)', () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining([
        'check-due-syncs.json',
        'refresh-connection.json',
        'replay-dead-letters.json',
        'sync-after-worker-kill.json',
        'sync-cancelled.json',
        'sync-with-extra-pass.json',
        'sync-with-token-refresh.json',
        'token-refresh-sweep.json',
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
