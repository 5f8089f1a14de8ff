import { apiError, errorSchema, notFound } from '../errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { checkOutboundUrl, type OutboundPolicy } from '../../connectors/outbound';
import { cancelRunningSync } from '../../temporal/sync-starter';
import type { ConnectorRegistry } from '../../connectors/registry';
import type { Db } from '../../store/db';
import { deleteIntegration, findIntegration, insertIntegration, listIntegrations, updateIntegration, type IntegrationRecord } from '../../store/integrations';
import { optionalBody, integrationSchema, iso, uuidParam } from '../schemas';

const interval = z.number().int().min(60).max(30 * 24 * 3600);

export function integrationView(i: IntegrationRecord): z.infer<typeof integrationSchema> {
  return {
    id: i.id,
    provider: i.provider,
    name: i.name,
    config: i.config,
    status: i.status,
    pauseReason: i.pauseReason,
    syncIntervalSeconds: i.syncIntervalSeconds,
    nextSyncAt: iso(i.nextSyncAt),
    lastSync: i.lastSyncStatus
      ? { status: i.lastSyncStatus, startedAt: iso(i.lastSyncAt), finishedAt: iso(i.lastSyncFinishedAt), counts: i.lastSyncCounts, error: i.lastSyncError }
      : null,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}


/** One body per provider, its config checked against the connector's schema: OpenAPI shows a union on `provider`. */
function createBody(connectors: ConnectorRegistry) {
  const known = [...connectors.keys()];
  const variants = [...connectors.values()].map((c) =>
    z.object({ provider: z.literal(c.provider), name: z.string().min(1).max(200), config: c.configSchema.safeParse({}).success ? c.configSchema.prefault({}) : c.configSchema, syncIntervalSeconds: interval.default(3600) }).strict(),
  );
  return z.discriminatedUnion('provider', variants as unknown as [(typeof variants)[number], ...(typeof variants)[number][]], {
    error: (issue) => (issue.code === 'invalid_union' ? `Unknown provider; known: ${known.join(', ')}` : undefined),
  });
}

/** URLs in a config must be ones the workers may call: refused here, at the door, with the field named. */
function configUrlProblem(config: Record<string, unknown>, policy: OutboundPolicy): string | undefined {
  for (const field of ['baseUrl', 'instanceUrl']) {
    const value = config[field];
    const problem = typeof value === 'string' ? checkOutboundUrl(new URL(value), policy) : undefined;
    if (problem) return `config.${field} ${problem}`;
  }
  return undefined;
}

export const integrationRoutes: FastifyPluginAsyncZod<{ db: Db; temporal: Client; connectors: ConnectorRegistry; outboundPolicy: OutboundPolicy; maxIntegrationsPerTenant: number }> = async (
  app,
  { db, temporal, connectors, outboundPolicy, maxIntegrationsPerTenant },
) => {
  app.addHook('onRequest', app.requireTenant);

  app.post(
    '/integrations',
    {
      schema: {
        tags: ['integrations'],
        body: createBody(connectors),
        response: { 201: integrationSchema, 400: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const problem = configUrlProblem(request.body.config, outboundPolicy);
      if (problem) return reply.code(422).send(apiError('invalid_request', problem));
      const created = await insertIntegration(db, { tenantId: request.tenantId, ...request.body }, maxIntegrationsPerTenant);
      if (!created) {
        return reply.code(409).send(apiError('quota_exceeded', `This tenant already has its ${maxIntegrationsPerTenant} integrations (TENANT_MAX_INTEGRATIONS); delete one first`));
      }
      return reply.code(201).send(integrationView(created));
    },
  );

  app.get(
    '/integrations',
    {
      schema: {
        tags: ['integrations'],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.uuid().optional().describe("the previous page's nextCursor (pages are keyed on the integration id)") }).strict(),
        response: { 200: z.object({ items: z.array(integrationSchema), nextCursor: z.string().nullable() }), 400: errorSchema },
      },
    },
    async (request) => {
      const rows = await listIntegrations(db, request.tenantId, request.query.limit + 1, request.query.cursor);
      const page = rows.slice(0, request.query.limit);
      return { items: page.map(integrationView), nextCursor: rows.length > page.length ? page[page.length - 1]!.id : null };
    },
  );

  app.get(
    '/integrations/:id',
    { schema: { tags: ['integrations'], params: uuidParam, response: { 200: integrationSchema, 404: errorSchema } } },
    async (request, reply) => {
      const found = await findIntegration(db, request.tenantId, request.params.id);
      return found ? integrationView(found) : reply.code(404).send(notFound('Integration'));
    },
  );

  app.patch(
    '/integrations/:id',
    {
      schema: {
        tags: ['integrations'],
        params: uuidParam,
        body: z
          // config is checked against the integration's provider's schema below.
          .object({ name: z.string().min(1).max(200).optional(), config: z.record(z.string(), z.unknown()).optional(), syncIntervalSeconds: interval.optional() })
          .strict()
          .refine((b) => Object.keys(b).length > 0, 'give at least one of name, config, syncIntervalSeconds')
          .meta({ minProperties: 1 }),
        response: { 200: integrationSchema, 400: errorSchema, 404: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      let config = request.body.config;
      if (config) {
        const found = await findIntegration(db, request.tenantId, request.params.id);
        const schema = found && connectors.get(found.provider)?.configSchema;
        if (!schema) return reply.code(404).send(notFound('Integration'));
        const parsed = schema.safeParse(config);
        if (!parsed.success) {
          return reply.code(422).send(apiError('invalid_request', `Invalid body: ${parsed.error.issues.map((i) => `/config/${i.path.join('/')} ${i.message}`).join('; ')}`));
        }
        config = parsed.data;
        const problem = configUrlProblem(config, outboundPolicy);
        if (problem) return reply.code(422).send(apiError('invalid_request', problem));
      }
      const updated = await updateIntegration(db, request.tenantId, request.params.id, { ...request.body, ...(config ? { config } : {}) });
      return updated ? integrationView(updated) : reply.code(404).send(notFound('Integration'));
    },
  );

  app.delete(
    '/integrations/:id',
    { schema: { tags: ['integrations'], params: uuidParam, response: { 204: z.null(), 404: errorSchema } } },
    async (request, reply) => {
      const found = await findIntegration(db, request.tenantId, request.params.id);
      if (!found) return reply.code(404).send(notFound('Integration'));
      // Its sync stops first; its connection, records, dead letters, mappings and checkpoints go with its row.
      await cancelRunningSync(temporal, found.id);
      const deleted = await deleteIntegration(db, request.tenantId, found.id);
      return deleted ? reply.code(204).send(null) : reply.code(404).send(notFound('Integration'));
    },
  );

  app.post(
    '/integrations/:id/pause',
    {
      schema: {
        tags: ['integrations'],
        params: uuidParam,
        body: optionalBody(z.object({ reason: z.string().max(500).optional() }).strict()),
        response: { 200: integrationSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const updated = await updateIntegration(db, request.tenantId, request.params.id, { status: 'paused', pauseReason: request.body.reason ?? 'paused by API' });
      return updated ? integrationView(updated) : reply.code(404).send(notFound('Integration'));
    },
  );

  app.post(
    '/integrations/:id/resume',
    { schema: { tags: ['integrations'], params: uuidParam, response: { 200: integrationSchema, 404: errorSchema } } },
    async (request, reply) => {
      const updated = await updateIntegration(db, request.tenantId, request.params.id, { status: 'active', pauseReason: null });
      return updated ? integrationView(updated) : reply.code(404).send(notFound('Integration'));
    },
  );
};
