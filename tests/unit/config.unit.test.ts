import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { apiEnvSchema, ConfigError, launcherEnvSchema, parseEnv, parseTemporalRoleEnv, schedulesEnvSchema, workerEnvSchema } from '../../config/env';

const KEY = 'ab'.repeat(32);
const valid = { DATABASE_URL: 'postgres://u:p@localhost:5432/app', ENCRYPTION_KEY: KEY, REDIS_URL: 'redis://localhost:6379' };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('refuses a worker or API without REDIS_URL unless EVENT_BUS=memory says so on purpose', () => {
    const { REDIS_URL: _redis, ...withoutRedis } = valid;
    for (const schema of [workerEnvSchema, apiEnvSchema]) {
      expect(problemsOf(() => parseEnv(schema, withoutRedis))).toEqual([expect.stringContaining('EVENT_BUS=memory')]);
      expect(parseEnv(schema, { ...withoutRedis, EVENT_BUS: 'memory' }).REDIS_URL).toBeUndefined();
    }
    // Insecure provider URLs are for tests: refused in production.
    expect(problemsOf(() => parseEnv(workerEnvSchema, { ...valid, ALLOW_INSECURE_PROVIDER_URLS: 'true', NODE_ENV: 'production' }))).toEqual([expect.stringContaining('PROVIDER_ALLOWED_CIDRS')]);
    expect(parseEnv(workerEnvSchema, { ...valid, ALLOW_INSECURE_PROVIDER_URLS: 'true' }).ALLOW_INSECURE_PROVIDER_URLS).toBe(true);
    // The launcher is the embedded default: the in-memory bus unless Redis is given.
    expect(parseEnv(launcherEnvSchema, {}).EVENT_BUS).toBe('memory');
  });

  it('applies the documented defaults', () => {
    const env = parseTemporalRoleEnv(workerEnvSchema, valid);
    expect(env.temporal).toEqual({ address: 'localhost:7233', namespace: 'default' });
    expect(env).toMatchObject({
      TASK_QUEUE: 'integration-sync',
      BATCH_THRESHOLD: 100,
      LOG_LEVEL: 'info',
    });
    expect(env.ENCRYPTION_KEY).toHaveLength(32);
    const schedules = parseEnv(schedulesEnvSchema, {});
    expect(schedules.SYNC_CHECK_INTERVAL).toBe(60_000);
    expect(schedules.TOKEN_REFRESH_INTERVAL).toBe(3_600_000);
    expect(schedules.HOUSEKEEPING_INTERVAL).toBe(3_600_000);
    expect(schedules.WEBHOOK_DELIVERY_RETENTION).toBe(7 * 24 * 3_600_000);
    expect(parseEnv(apiEnvSchema, valid).TRUST_PROXY).toBe(false);
    expect(env.DATABASE_POOL_SIZE).toBe(10);
    expect(env.WORKER_MAX_CONCURRENT_ACTIVITIES).toBe(20);
    expect(problemsOf(() => parseEnv(workerEnvSchema, { ...valid, WORKER_MAX_CONCURRENT_ACTIVITIES: '0' }))).toEqual([expect.stringContaining('WORKER_MAX_CONCURRENT_ACTIVITIES')]);
  });

  it('reads TRUST_PROXY as Fastify takes it: a flag, a hop count or the proxies\' addresses', () => {
    const trust = (value: string) => parseEnv(apiEnvSchema, { ...valid, TRUST_PROXY: value }).TRUST_PROXY;
    expect(trust('true')).toBe(true);
    expect(trust('false')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8,127.0.0.1')).toBe('10.0.0.0/8,127.0.0.1');
  });

  it('parses durations and numbers from strings', () => {
    const env = parseEnv(schedulesEnvSchema, { SYNC_CHECK_INTERVAL: '90s', TOKEN_REFRESH_INTERVAL: '30m' });
    expect(env.SYNC_CHECK_INTERVAL).toBe(90_000);
    expect(env.TOKEN_REFRESH_INTERVAL).toBe(1_800_000);
    expect(parseEnv(apiEnvSchema, { ...valid, API_PORT: '8080' }).API_PORT).toBe(8080);
    expect(parseEnv(workerEnvSchema, { ...valid, ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }).ENCRYPTION_KEY).toEqual(
      Buffer.alloc(32, 7),
    );
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf(() =>
      parseEnv(apiEnvSchema, { API_PORT: 'eighty', DATABASE_URL: 'mysql://x/y', ENCRYPTION_KEY: 'short', LOG_LEVEL: 'loud', REDIS_URL: 'nope' }),
    );
    const names = problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['API_PORT', 'DATABASE_URL', 'ENCRYPTION_KEY', 'LOG_LEVEL', 'REDIS_URL']);
  });

  it('says a required variable is missing, and treats an empty one as unset', () => {
    const problems = problemsOf(() => parseEnv(workerEnvSchema, { DATABASE_URL: '' }));
    expect(problems).toEqual(
      expect.arrayContaining(['DATABASE_URL: is required but not set', 'ENCRYPTION_KEY: is required but not set']),
    );
  });

  it('rejects a zero or malformed interval', () => {
    const problems = problemsOf(() => parseEnv(schedulesEnvSchema, { SYNC_CHECK_INTERVAL: '0s', TOKEN_REFRESH_INTERVAL: 'soon' }));
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['SYNC_CHECK_INTERVAL', 'TOKEN_REFRESH_INTERVAL']);
  });

  it('lets the launcher run without a database URL or key (it brings its own)', () => {
    const env = parseEnv(launcherEnvSchema, {});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.ENCRYPTION_KEY).toBeUndefined();
    expect(env.DATA_DIR).toBe('.data');
  });

  it('stops a process with a bad config: non-zero exit, the variable named, no stack trace', () => {
    const root = path.resolve(__dirname, '..', '..');
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'workers', 'main.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'postgres://u:p@localhost/db', ENCRYPTION_KEY: 'tooshort', BATCH_THRESHOLD: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('ENCRYPTION_KEY');
    expect(result.stderr).toContain('BATCH_THRESHOLD');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
