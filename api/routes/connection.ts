import { apiError, errorSchema, notFound } from '../errors';
import { checkOutboundUrl, type OutboundPolicy } from '../../connectors/outbound';
import type { ConnectorRegistry } from '../../connectors/registry';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Keyring } from '../../security/keyring';
import { upsertConnection, type ConnectionSecrets } from '../../store/connections';
import type { Db } from '../../store/db';
import { findIntegration } from '../../store/integrations';
import { iso, uuidParam } from '../schemas';

// Said without the value, which is a secret: visible ASCII is what every provider's headers carry.
const secret = z.string().min(1).max(4096).regex(/^[\x21-\x7e]+$/, 'must be visible ASCII: no spaces, control characters or non-ASCII characters');
const oauth2 = z
  .object({
    kind: z.literal('oauth2'),
    accessToken: secret,
    refreshToken: secret,
    expiresAt: z.iso.datetime({ offset: true }),
    tokenUrl: z.url({ protocol: /^https?$/ }),
    clientId: secret,
    clientSecret: secret,
    instanceUrl: z.url().optional(),
    webhookSecret: secret.optional(),
  })
  .strict();
const apiKey = z
  .object({
    kind: z.literal('api_key'),
    accessToken: secret.optional(),
    apiKey: secret.optional(),
    consumerKey: secret.optional(),
    consumerSecret: secret.optional(),
    webhookSecret: secret.optional(),
  })
  .strict();
/** Which credentials an API-key connection needs depends on its provider: checked against the integration (422). */
const ANY_API_KEY: ReadonlyArray<readonly string[]> = [['accessToken'], ['apiKey'], ['consumerKey', 'consumerSecret']];

const MASK = '********';

/** Credentials go in; only which ones are set comes out. */
export const connectionRoutes: FastifyPluginAsyncZod<{ db: Db; keyring: Keyring; connectors: ConnectorRegistry; outboundPolicy: OutboundPolicy }> = async (
  app,
  { db, keyring, connectors, outboundPolicy },
) => {
  app.addHook('onRequest', app.requireTenant);

  app.put(
    '/integrations/:id/connection',
    {
      schema: {
        tags: ['integrations'],
        params: uuidParam,
        body: z.discriminatedUnion('kind', [oauth2, apiKey]),
        response: {
          200: z.object({ id: z.string(), kind: z.enum(['oauth2', 'api_key']), status: z.string(), expiresAt: z.string().nullable(), secrets: z.record(z.string(), z.literal(MASK)) }),
          400: errorSchema,
          404: errorSchema,
          // Schema-valid, but not what this integration's provider takes, or a URL the outbound policy refuses.
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const integration = await findIntegration(db, request.tenantId, request.params.id);
      if (!integration) return reply.code(404).send(notFound('Integration'));
      const { kind, ...fields } = request.body;
      const given = fields as Record<string, string | undefined>;
      const needs = connectors.get(integration.provider)?.credentials ?? (kind === 'api_key' ? ANY_API_KEY : []);
      if (needs.length && !needs.some((set) => set.every((name) => given[name]))) {
        return reply.code(422).send(apiError('invalid_request', `${integration.provider} needs ${needs.map((set) => set.join(' and ')).join(', or ')}`));
      }
      for (const field of ['tokenUrl', 'instanceUrl'] as const) {
        const problem = given[field] ? checkOutboundUrl(new URL(given[field]), outboundPolicy) : undefined;
        if (problem) return reply.code(422).send(apiError('invalid_request', `${field} ${problem}`));
      }
      const { tokenUrl, expiresAt, ...secrets } = { tokenUrl: undefined, expiresAt: undefined, ...fields } as Record<string, string | undefined>;
      const stored = await upsertConnection(db, keyring, {
        tenantId: request.tenantId,
        integrationId: integration.id,
        kind,
        secrets: secrets as ConnectionSecrets,
        tokenUrl: tokenUrl ?? null,
        expiresAt: expiresAt ? new Date(expiresAt) : null,
      });
      const masked = Object.fromEntries(Object.keys(secrets).filter((k) => secrets[k] !== undefined).map((k) => [k, MASK] as const));
      return { id: stored.id, kind, status: stored.status, expiresAt: iso(stored.expiresAt), secrets: masked };
    },
  );
};
