import { FastifyOtelInstrumentation } from '@fastify/otel';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { defaultOf, type ApiEnv } from '../config/env';
import { STRICT_POLICY, type OutboundPolicy } from '../connectors/outbound';
import { createConnectorRegistry, type ConnectorRegistry } from '../connectors/registry';
import type { EventBus } from '../events/bus';
import type { Logger } from '../observability/logger';
import { metrics, registry } from '../observability/metrics';
import { Keyring } from '../security/keyring';
import { pingDb, type Db } from '../store/db';
import { codecFor } from '../temporal/data-converter';
import { SYNC_QUERY_DEADLINE_MS } from '../temporal/sync-starter';
import { API_BODY_LIMIT } from './body-limits';
import { refuseNulInBodies, registerErrorHandler } from './errors';
import { answerMethodNotAllowed, documentCommonAnswers, finishOpenApiDocument, MAX_PARAM_LENGTH } from './openapi';
import auth from './plugins/auth';
import { apiKeyRoutes } from './routes/api-keys';
import { codecRoutes } from './routes/codec';
import { connectionRoutes } from './routes/connection';
import { deadLetterRoutes } from './routes/dead-letters';
import { healthRoutes } from './routes/health';
import { integrationRoutes } from './routes/integrations';
import { mappingRoutes } from './routes/mappings';
import { DEFAULT_SSE_LIMITS, sseRoutes, type SseLimits } from './routes/sse';
import { syncStatusRoutes } from './routes/sync-status';
import { syncRoutes } from './routes/syncs';
import { tenantRoutes } from './routes/tenants';
import { webhookRoutes } from './routes/webhooks';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface AppDeps {
  db: Db;
  bus: EventBus;
  temporal: Client;
  logger: Logger;
  keyring: Keyring;
  connectors: ConnectorRegistry;
  taskQueue: string;
  /** Enables the admin routes (tenants, API keys) for this bearer key. */
  adminApiKey?: string | undefined;
  /** SSE heartbeat and stream limits (SSE_* settings); unset fields take DEFAULT_SSE_LIMITS. */
  sse?: Partial<SseLimits>;
  /** Set when payloads are encrypted: serves the Temporal UI's codec endpoints. */
  codec?: PayloadCodec | undefined;
  codecCorsOrigin?: string;
  /** Bearer key of the codec endpoints (CODEC_API_KEY); unset = they answer 403. */
  codecApiKey?: string | undefined;
  /** Fastify's trustProxy: which X-Forwarded-* headers to believe (TRUST_PROXY). */
  trustProxy?: boolean | number | string;
  /** Where tenants' provider, token and instance URLs may point (checked at the door; workers check again at connect). */
  outboundPolicy?: OutboundPolicy;
  /** API_REQUEST_TIMEOUT / API_IDLE_TIMEOUT. */
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** TENANT_MAX_INTEGRATIONS; unset = its default. */
  maxIntegrationsPerTenant?: number;
  /** API_SYNC_QUERY_TIMEOUT: how long a running sync's worker has to answer the status query. */
  syncQueryTimeoutMs?: number;
}

/** The one wiring of the API from its environment, for `npm run api` and the launcher alike. */
export function appFromEnv(
  env: Pick<
    ApiEnv,
    'TASK_QUEUE' | 'ENCRYPTION_KEY' | 'ENCRYPTION_KEYS_PREVIOUS' | 'ADMIN_API_KEY' | 'CODEC_CORS_ORIGIN' | 'TRUST_PROXY' | 'PAYLOAD_ENCRYPTION_KEY' | 'PAYLOAD_ENCRYPTION_KEYS_PREVIOUS' | 'ALLOW_INSECURE_PROVIDER_URLS' | 'PROVIDER_ALLOWED_CIDRS' | 'API_REQUEST_TIMEOUT' | 'API_IDLE_TIMEOUT' | 'API_SYNC_QUERY_TIMEOUT' | 'TENANT_MAX_INTEGRATIONS' | 'CODEC_API_KEY' | 'SSE_MAX_STREAMS' | 'SSE_MAX_STREAMS_PER_TENANT' | 'SSE_MAX_BUFFERED_BYTES'
  >,
  shared: Pick<AppDeps, 'db' | 'bus' | 'temporal' | 'logger'>,
): Promise<App> {
  return buildApp({
    ...shared,
    keyring: new Keyring(env.ENCRYPTION_KEY, env.ENCRYPTION_KEYS_PREVIOUS),
    connectors: createConnectorRegistry(),
    taskQueue: env.TASK_QUEUE,
    adminApiKey: env.ADMIN_API_KEY,
    codec: codecFor(env),
    codecCorsOrigin: env.CODEC_CORS_ORIGIN,
    codecApiKey: env.CODEC_API_KEY,
    trustProxy: env.TRUST_PROXY,
    outboundPolicy: { allowInsecure: env.ALLOW_INSECURE_PROVIDER_URLS, allowedCidrs: env.PROVIDER_ALLOWED_CIDRS },
    requestTimeoutMs: env.API_REQUEST_TIMEOUT,
    idleTimeoutMs: env.API_IDLE_TIMEOUT,
    syncQueryTimeoutMs: env.API_SYNC_QUERY_TIMEOUT,
    maxIntegrationsPerTenant: env.TENANT_MAX_INTEGRATIONS,
    sse: { maxStreams: env.SSE_MAX_STREAMS, maxStreamsPerTenant: env.SSE_MAX_STREAMS_PER_TENANT, maxBufferedBytes: env.SSE_MAX_BUFFERED_BYTES },
  });
}

/** No-op until a tracer provider is registered (startTracing); scrapes and probes make no spans. */
const fastifyOtel = new FastifyOtelInstrumentation({ ignorePaths: ({ url }) => url === '/metrics' || url === '/health' || url === '/ready' });

/** A hop count trusts that many proxies in front (Fastify takes it as a function; its types have no number form). */
const trustProxyOption = (trust: boolean | number | string = false) => (typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust);

/** Builds the whole app without listening, so tests use `app.inject` on exactly what production serves. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: API_BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    trustProxy: trustProxyOption(deps.trustProxy),
    // A client that trickles a request or sits idle does not keep a socket (and a webhook slot) for as long as it likes.
    requestTimeout: deps.requestTimeoutMs ?? defaultOf('API_REQUEST_TIMEOUT'),
    connectionTimeout: deps.idleTimeoutMs ?? defaultOf('API_IDLE_TIMEOUT'),
    keepAliveTimeout: 5_000,
    // close() ends every connection, open event streams included, so a stopping API never waits on a client.
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();
  // Before any route: a span per request (continuing an incoming traceparent), the parent of the workflow start.
  await app.register(fastifyOtel.plugin());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  refuseNulInBodies(app);
  const optionalBodies = documentCommonAnswers(app);
  answerMethodNotAllowed(app);
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  await app.register(swagger, {
    openapi: { info: { title: 'Integration Sync API', version: '0.1.0' } },
    transform: jsonSchemaTransform,
    transformObject: finishOpenApiDocument(optionalBodies),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, {
    probes: {
      temporal: async () => {
        await deps.temporal.workflowService.getSystemInfo({});
      },
      postgres: async () => {
        await pingDb(deps.db);
      },
      bus: () => deps.bus.ping(),
    },
  });
  await app.register(auth, { db: deps.db, adminApiKey: deps.adminApiKey });
  await app.register(tenantRoutes, { db: deps.db });
  await app.register(apiKeyRoutes, { db: deps.db });
  await app.register(integrationRoutes, { db: deps.db, temporal: deps.temporal, connectors: deps.connectors, outboundPolicy: deps.outboundPolicy ?? STRICT_POLICY, maxIntegrationsPerTenant: deps.maxIntegrationsPerTenant ?? defaultOf('TENANT_MAX_INTEGRATIONS') });
  await app.register(mappingRoutes, { db: deps.db, connectors: deps.connectors });
  await app.register(connectionRoutes, { db: deps.db, keyring: deps.keyring, connectors: deps.connectors, outboundPolicy: deps.outboundPolicy ?? STRICT_POLICY });
  const syncQueryTimeoutMs = deps.syncQueryTimeoutMs ?? SYNC_QUERY_DEADLINE_MS;
  await app.register(syncRoutes, { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, syncQueryTimeoutMs });
  await app.register(syncStatusRoutes, { db: deps.db, temporal: deps.temporal, syncQueryTimeoutMs });
  await app.register(sseRoutes, { bus: deps.bus, limits: { ...DEFAULT_SSE_LIMITS, ...deps.sse } });
  await app.register(deadLetterRoutes, { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue });
  await app.register(webhookRoutes, { db: deps.db, keyring: deps.keyring, temporal: deps.temporal, taskQueue: deps.taskQueue, connectors: deps.connectors, syncQueryTimeoutMs });
  if (deps.codec) await app.register(codecRoutes, { codec: deps.codec, corsOrigin: deps.codecCorsOrigin ?? 'http://localhost:8233', codecApiKey: deps.codecApiKey });
  return app;
}
