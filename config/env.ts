// One zod schema for the environment; each process narrows it to what it needs and parses once at start.
import { msToNumber } from '@temporalio/common';
import { loadTemporalConnection, type TemporalConnection } from '../temporal/connection-settings';
import { ConfigError } from './config-error';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      try {
        const ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
        if (!Number.isFinite(ms) || ms <= 0) throw new Error('not positive');
        return ms;
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected a positive duration such as 60s, 5m or 1h, got "${value}"` });
        return z.NEVER;
      }
    });

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** 32 bytes, given as 64 hex characters or as base64. */
const encryptionKey = z.string().transform((value, ctx) => {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'expected 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)' });
    return z.NEVER;
  }
  return key;
});

const previousKeys = z.string().transform((value, ctx) => {
  const keys: Buffer[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const parsed = encryptionKey.safeParse(part);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: 'expected a comma-separated list of 32-byte keys (hex or base64)' });
      return z.NEVER;
    }
    keys.push(parsed.data);
  }
  return keys;
});

export const envFields = {
  /** The launcher's dev server; every other role reads its connection through Temporal's environment configuration. */
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TASK_QUEUE: z.string().min(1).default('integration-sync'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'expected postgres://user:pass@host:port/db' }),
  /** PostgreSQL connections per process; a worker's running activities queue for these. */
  DATABASE_POOL_SIZE: positiveInt(10),
  /**
   * Activities one worker process runs at once (each sync chunk holds up to two provider pages). 20, not Temporal's
   * 100: one worker is one thread, and the shipped heap cap (256 MB) is sized for 20 chunks of bulk pages at once.
   */
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt(20),
  /** Worker Deployment versioning: this worker is build WORKER_BUILD_ID of deployment WORKER_DEPLOYMENT_NAME (both or neither). */
  WORKER_DEPLOYMENT_NAME: z.string().min(1).max(200).optional(),
  WORKER_BUILD_ID: z.string().min(1).max(200).optional(),
  /** Workflows kept in one worker's sticky cache (memory for fewer history replays); unset = Temporal's default. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'expected redis://host:port' }).optional(),
  /** `memory` runs without Redis on purpose (events stay in this process); unset, a worker or API needs REDIS_URL. */
  EVENT_BUS: z.enum(['redis', 'memory']).optional(),
  REDIS_KEY_PREFIX: z.string().default(''),
  EVENT_STREAM: z.string().min(1).default('integration-sync:events'),
  /** Hard cap of the event stream: below it only what every consumer group acknowledged is trimmed; past it, unread entries too (logged, counted, announced). */
  EVENT_STREAM_MAXLEN: positiveInt(100_000),
  /** With no consumer group on the stream, how long its entries are kept. */
  EVENT_STREAM_RETENTION: duration('1h'),
  /** Sync events kept for SSE clients resuming with Last-Event-ID; an older or unknown position answers 412. */
  SSE_RESUME_WINDOW: positiveInt(10_000),
  /** Open SSE streams per API process, and per tenant on one process; past either, 429 with Retry-After. */
  SSE_MAX_STREAMS: positiveInt(1_000),
  SSE_MAX_STREAMS_PER_TENANT: positiveInt(20),
  /** A stream whose client has not read this many bytes of it is dropped (the client reconnects with Last-Event-ID). */
  SSE_MAX_BUFFERED_BYTES: positiveInt(1024 * 1024),
  /** Stream of inbound events (integration.sync.scheduled, integration.webhook.received, integration.token.refresh-requested). */
  INBOUND_STREAM: z.string().min(1).default('integration-sync:inbound'),
  INBOUND_CONSUMER_GROUP: z.string().min(1).default('integration-sync'),
  /** Whether a worker also runs the inbound consumer (when REDIS_URL is set); `npm run consumer` runs it alone. */
  RUN_CONSUMER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  API_HOST: z.string().min(1).default('0.0.0.0'),
  API_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** Longest a client may take to send a whole request (headers and body): a slow body cannot hold a socket. */
  API_REQUEST_TIMEOUT: duration('30s'),
  /** A connection idle this long is closed (SSE streams send a heartbeat every 15 s). */
  API_IDLE_TIMEOUT: duration('60s'),
  /** How long a running sync's worker has to answer a status query (sync status, coalescing a sync request); past it the API goes on without the state. */
  API_SYNC_QUERY_TIMEOUT: duration('5s'),
  /** Integrations one tenant may have; past it, creating one answers 409 quota_exceeded. */
  TENANT_MAX_INTEGRATIONS: positiveInt(1_000),
  /**
   * Behind a load balancer: which X-Forwarded-* headers to believe (Fastify's trustProxy). `true`, a hop count, or
   * comma-separated addresses/CIDRs of the proxies. HubSpot's v3 signature covers the public URL, so it needs this.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value === 'false' ? false : value === 'true' ? true : /^\d+$/.test(value) ? Number(value) : value)),
  SYNC_CHECK_INTERVAL: duration('60s'),
  TOKEN_REFRESH_INTERVAL: duration('1h'),
  BATCH_THRESHOLD: positiveInt(100),
  ENCRYPTION_KEY: encryptionKey,
  /** Keys that sealed older secrets; they still open them until every secret is re-sealed with ENCRYPTION_KEY. */
  ENCRYPTION_KEYS_PREVIOUS: previousKeys.default([]),
  /** Back-pressure of the due-sync check: syncs started per tick at most; the rest wait for the next tick. */
  MAX_SYNC_STARTS_PER_TICK: positiveInt(100),
  /** A token expiring within this is refreshed before use, and the sweep looks this far past its next run. */
  TOKEN_REFRESH_MARGIN: duration('10m'),
  /** How often the housekeeping schedule prunes what is no longer needed. */
  HOUSEKEEPING_INTERVAL: duration('1h'),
  /** Webhook delivery ids are kept this long to drop redeliveries (Shopify retries for 48 h). */
  WEBHOOK_DELIVERY_RETENTION: duration('7d'),
  /** Lets connectors call plain-HTTP and loopback provider URLs: for tests against fake providers only (refused when NODE_ENV=production). */
  ALLOW_INSECURE_PROVIDER_URLS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Only `production` is read: it refuses ALLOW_INSECURE_PROVIDER_URLS. */
  NODE_ENV: z.string().optional(),
  /** Internal ranges providers may deliberately live in (comma-separated CIDRs, e.g. 10.20.0.0/16); still HTTPS only. */
  PROVIDER_ALLOWED_CIDRS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine((c) => ipaddr.isValidCIDR(c), { message: 'expected CIDRs like 10.20.0.0/16 or fd00::/8' }))),
  /** Delegates OAuth refreshes to this service's `POST /connections/:id/refresh` (README: token refresh); unset = direct. */
  INTEGRATION_MANAGER_URL: z.url({ protocol: /^https?$/, message: 'expected http(s)://host[:port][/path]' }).optional(),
  /** Bearer token for the integration manager's API. */
  INTEGRATION_MANAGER_TOKEN: z.string().min(1).optional(),
  /** Encrypts workflow payloads in Temporal (AES-256-GCM); unset = payloads are plain JSON in histories. */
  PAYLOAD_ENCRYPTION_KEY: encryptionKey.optional(),
  PAYLOAD_ENCRYPTION_KEYS_PREVIOUS: previousKeys.default([]),
  /** Origin of the Temporal UI allowed to call the codec endpoints. */
  CODEC_CORS_ORIGIN: z.string().default('http://localhost:8233'),
  /** Port of a worker's own Prometheus /metrics (syncs, records, events, refreshes); unset = off. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** Port of the Temporal SDK's Prometheus exporter (task latencies, schedule-to-start, sticky cache); unset = off. */
  TEMPORAL_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** Bearer key of the admin routes (tenants, API keys); unset = those routes are off. */
  ADMIN_API_KEY: z.string().min(16, 'use at least 16 characters (openssl rand -hex 24)').optional(),
  /** Bearer key the Temporal UI sends to the codec endpoints; unset = they are refused. Not the admin key: a browser holds it. */
  CODEC_API_KEY: z.string().min(16, 'use at least 16 characters (openssl rand -hex 24)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Check each event a worker builds against the catalogue before it goes out (tests, debugging); per record it costs CPU. */
  EVENT_VALIDATION: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  DATA_DIR: z.string().min(1).default('.data'),
  /** A prebuilt workflow bundle (tests, benchmark); unset = bundle workflows/ at start. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
} as const;

type Field = keyof typeof envFields;

/** A setting's documented default, for code built without an environment (tests, the app's own fallbacks): one home. */
export function defaultOf<K extends Field>(key: K): z.infer<(typeof envFields)[K]> {
  return envFields[key].parse(undefined) as z.infer<(typeof envFields)[K]>;
}

function pickFields<K extends Field>(keys: readonly K[]) {
  return z.object(Object.fromEntries(keys.map((k) => [k, envFields[k]])) as Pick<typeof envFields, K>);
}

// Where Temporal is comes from Temporal's own settings (parseTemporalRoleEnv); the launcher runs its own dev server.
const temporal = ['TASK_QUEUE', 'PAYLOAD_ENCRYPTION_KEY', 'PAYLOAD_ENCRYPTION_KEYS_PREVIOUS'] as const;
const bus = ['REDIS_URL', 'EVENT_BUS', 'REDIS_KEY_PREFIX', 'EVENT_STREAM', 'EVENT_STREAM_MAXLEN', 'EVENT_STREAM_RETENTION', 'SSE_RESUME_WINDOW'] as const;
const sse = ['SSE_MAX_STREAMS', 'SSE_MAX_STREAMS_PER_TENANT', 'SSE_MAX_BUFFERED_BYTES'] as const;
const consumer = ['INBOUND_STREAM', 'INBOUND_CONSUMER_GROUP'] as const;

/** Checks across variables, shared by the roles that publish events and call providers. */
function roleChecks(data: { REDIS_URL?: string | undefined; EVENT_BUS?: string | undefined; ALLOW_INSECURE_PROVIDER_URLS: boolean; NODE_ENV?: string | undefined }, ctx: z.RefinementCtx): void {
  // Without Redis a process keeps its events in its own memory: no consumer, SSE client or other process sees them.
  if (!data.REDIS_URL && data.EVENT_BUS !== 'memory') {
    const why = data.EVENT_BUS === 'redis' ? 'is required when EVENT_BUS=redis' : "is required: without it events stay in this process's memory and no consumer, SSE client or other process sees them (set EVENT_BUS=memory to run so on purpose)";
    ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: why });
  }
  if (data.ALLOW_INSECURE_PROVIDER_URLS && data.NODE_ENV === 'production') {
    ctx.addIssue({
      code: 'custom',
      path: ['ALLOW_INSECURE_PROVIDER_URLS'],
      message: 'must not be true when NODE_ENV=production (it lets tenants reach this network); allow an internal provider with PROVIDER_ALLOWED_CIDRS',
    });
  }
}

export const workerEnvSchema = pickFields([
  ...temporal,
  ...bus,
  ...consumer,
  'RUN_CONSUMER',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'WORKER_MAX_CONCURRENT_ACTIVITIES',
  'WORKER_MAX_CACHED_WORKFLOWS',
  'WORKER_DEPLOYMENT_NAME',
  'WORKER_BUILD_ID',
  'BATCH_THRESHOLD',
  'ENCRYPTION_KEY',
  'ENCRYPTION_KEYS_PREVIOUS',
  'TOKEN_REFRESH_MARGIN',
  'ALLOW_INSECURE_PROVIDER_URLS',
  'PROVIDER_ALLOWED_CIDRS',
  'NODE_ENV',
  'INTEGRATION_MANAGER_URL',
  'INTEGRATION_MANAGER_TOKEN',
  'WORKER_METRICS_PORT',
  'TEMPORAL_METRICS_PORT',
  'LOG_LEVEL',
  'EVENT_VALIDATION',
  'WORKFLOW_BUNDLE_PATH',
])
  .superRefine(roleChecks)
  .superRefine((data, ctx) => {
    // One without the other would silently run unversioned.
    if (Boolean(data.WORKER_DEPLOYMENT_NAME) !== Boolean(data.WORKER_BUILD_ID)) {
      ctx.addIssue({ code: 'custom', path: [data.WORKER_DEPLOYMENT_NAME ? 'WORKER_BUILD_ID' : 'WORKER_DEPLOYMENT_NAME'], message: 'set WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID together (or neither, for an unversioned worker)' });
    }
  });
export const apiEnvSchema = pickFields([
  ...temporal,
  ...bus,
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'API_HOST',
  'API_PORT',
  'API_REQUEST_TIMEOUT',
  'API_IDLE_TIMEOUT',
  'API_SYNC_QUERY_TIMEOUT',
  'TENANT_MAX_INTEGRATIONS',
  ...sse,
  'TRUST_PROXY',
  'ENCRYPTION_KEY',
  'ENCRYPTION_KEYS_PREVIOUS',
  'ADMIN_API_KEY',
  'CODEC_CORS_ORIGIN',
  'CODEC_API_KEY',
  'LOG_LEVEL',
  'ALLOW_INSECURE_PROVIDER_URLS',
  'PROVIDER_ALLOWED_CIDRS',
  'NODE_ENV',
]).superRefine(roleChecks);
const scheduleFields = ['SYNC_CHECK_INTERVAL', 'TOKEN_REFRESH_INTERVAL', 'TOKEN_REFRESH_MARGIN', 'MAX_SYNC_STARTS_PER_TICK', 'HOUSEKEEPING_INTERVAL', 'WEBHOOK_DELIVERY_RETENTION'] as const;
export const schedulesEnvSchema = pickFields([...temporal, ...scheduleFields, 'LOG_LEVEL']);
/** The launcher runs every role itself and brings its own database and key when none is given. */
export const launcherEnvSchema = pickFields([
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  ...temporal,
  ...bus,
  ...scheduleFields,
  'API_HOST',
  'API_PORT',
  'API_REQUEST_TIMEOUT',
  'API_IDLE_TIMEOUT',
  'API_SYNC_QUERY_TIMEOUT',
  'TENANT_MAX_INTEGRATIONS',
  ...sse,
  'TRUST_PROXY',
  'BATCH_THRESHOLD',
  'ENCRYPTION_KEYS_PREVIOUS',
  'ADMIN_API_KEY',
  'CODEC_CORS_ORIGIN',
  'CODEC_API_KEY',
  'ALLOW_INSECURE_PROVIDER_URLS',
  'PROVIDER_ALLOWED_CIDRS',
  'NODE_ENV',
  'INTEGRATION_MANAGER_URL',
  'INTEGRATION_MANAGER_TOKEN',
  'LOG_LEVEL',
  'DATA_DIR',
  'DATABASE_POOL_SIZE',
  'WORKER_MAX_CONCURRENT_ACTIVITIES',
  'WORKER_MAX_CACHED_WORKFLOWS',
]).extend({ DATABASE_URL: envFields.DATABASE_URL.optional(), ENCRYPTION_KEY: envFields.ENCRYPTION_KEY.optional(), EVENT_BUS: envFields.EVENT_BUS.unwrap().default('memory') }).superRefine(roleChecks);

export const consumerEnvSchema = pickFields([...temporal, 'REDIS_KEY_PREFIX', ...consumer, 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'LOG_LEVEL']).extend({ REDIS_URL: envFields.REDIS_URL.unwrap() });

export type WorkerEnv = z.infer<typeof workerEnvSchema>;
export type ApiEnv = z.infer<typeof apiEnvSchema>;
export type SchedulesEnv = z.infer<typeof schedulesEnvSchema>;
export type LauncherEnv = z.infer<typeof launcherEnvSchema>;

export { ConfigError };

/** Parses the environment; a bad value throws a ConfigError naming every bad variable. */
/** The variables that are set: an empty one means unset, as in most deployment tools. */
const setVariables = (env: NodeJS.ProcessEnv): Record<string, string> => Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));

export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const given = setVariables(env);
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const missing = issue.code === 'invalid_type' && given[name] === undefined;
    return `${name}: ${missing ? 'is required but not set' : issue.message}`;
  });
  throw new ConfigError(problems);
}

/**
 * A role that talks to Temporal: its settings, and `temporal`, the connection as Temporal's own environment
 * configuration names it (temporal/connection-settings.ts).
 */
export function parseTemporalRoleEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> & { temporal: TemporalConnection } {
  return { ...(parseEnv(schema, env) as object), temporal: loadTemporalConnection(setVariables(env)) } as z.infer<S> & { temporal: TemporalConnection };
}

/** For process entry points: a bad config ends the process with the message and no stack trace. */
export function loadEnvOrExit<S extends z.ZodType>(schema: S): z.infer<S> {
  return exitOnConfigError(() => parseEnv(schema));
}

export function loadTemporalRoleEnvOrExit<S extends z.ZodType>(schema: S): z.infer<S> & { temporal: TemporalConnection } {
  return exitOnConfigError(() => parseTemporalRoleEnv(schema));
}

function exitOnConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
