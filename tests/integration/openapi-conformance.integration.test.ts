// The OpenAPI document against the running API: schemathesis (installed by `node scripts/bootstrap.js test`) runs
// every check on every operation, as a tenant, as the admin, and for key rotation (which ends the key it runs with).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireTool, ROOT } from '../../scripts/tools';
import { ADMIN_KEY, newTenantKey, startApi } from '../support/api-app';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';

const CONFIG = path.join(ROOT, 'tests', 'conformance', 'schemathesis.toml');

describe('OpenAPI conformance (schemathesis)', () => {
  let env: IntegrationEnv;
  let api: Awaited<ReturnType<typeof startApi>>;

  beforeAll(async () => {
    env = await createIntegrationEnv();
    // No worker runs here (the syncs it would start point at made-up providers), so queries of a running sync go
    // unanswered: a short timeout keeps each coalesced request quick.
    api = await startApi(env, { syncQueryTimeoutMs: 200 });
  });

  afterAll(async () => {
    await api?.app.close();
    await env?.close();
  });

  /** Runs schemathesis with `args`; a failed check fails the test with its report. */
  const conformance = async (key: string, args: string[]) => {
    // Every check: schemathesis's default. Not `--checks all`, which would override the one per-operation exception in
    // the config file.
    const argv = ['--config-file', CONFIG, 'run', `${api.url}/docs/json`, '-H', `Authorization: Bearer ${key}`, ...args];
    try {
      const { stdout } = await promisify(execFile)(requireTool('st'), argv, { cwd: ROOT, timeout: 300_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
      return stdout;
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new Error(`schemathesis found failures (st ${argv.join(' ').replace(key, '<key>')}):\n${stdout.slice(-20_000)}\n${stderr.slice(-2_000)}`);
    }
  };

  it('holds for every tenant operation', async () => {
    const key = await newTenantKey(api.app, 'conformance');
    // The event stream never ends, so it is left to tests/integration/sse.integration.test.ts; rotation has its own run.
    const report = await conformance(key, ['--exclude-tag', 'admin', '--exclude-path', '/api-keys/rotate', '--exclude-path-regex', '^/integrations/events/sse/']);
    expect(report).toMatch(/Tested: 1\d/);
  }, 300_000);

  it('holds for the admin operations', async () => {
    const report = await conformance(ADMIN_KEY, ['--include-tag', 'admin']);
    expect(report).toMatch(/Tested: [1-9]/);
  }, 300_000);

  it('holds for key rotation', async () => {
    const key = await newTenantKey(api.app, 'conformance-rotation');
    const report = await conformance(key, ['--include-path', '/api-keys/rotate']);
    expect(report).toMatch(/Tested: 1\b/);
  }, 300_000);
});
