import { LARGE_BODY_LIMIT } from '../body-limits';
import { apiError, errorSchema } from '../errors';
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectorRegistry } from '../../connectors/registry';
import { metrics } from '../../observability/metrics';
import type { Keyring } from '../../security/keyring';
import { WebhookBodyError } from '../../connectors/webhook-signature';
import { findWebhookTarget } from '../../store/connections';
import { recordDeletionNotice } from '../../store/deletion-notices';
import type { Db } from '../../store/db';
import { forgetDelivery, recordDelivery } from '../../store/webhook-deliveries';
import { startOrSignalSync } from '../../temporal/sync-starter';

/**
 * Webhooks authenticate by signature, not API key. The raw body is kept for the check; a bad or missing signature
 * is a 401 and starts nothing; a redelivery (same delivery id) is acknowledged and dropped.
 */
export const webhookRoutes: FastifyPluginAsyncZod<{ db: Db; keyring: Keyring; temporal: Client; taskQueue: string; connectors: ConnectorRegistry; syncQueryTimeoutMs: number }> = async (
  app,
  { db, keyring, temporal, taskQueue, connectors, syncQueryTimeoutMs },
) => {
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: LARGE_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post(
    '/webhooks/:provider/:integrationId',
    {
      // A provider's batch of records can be large; the API's own JSON routes take far less (API_BODY_LIMIT).
      bodyLimit: LARGE_BODY_LIMIT,
      schema: {
        tags: ['webhooks'],
        params: z.object({ provider: z.string().min(1).max(50), integrationId: z.string().min(1).max(100) }).strict(),
        response: { 202: z.object({ status: z.enum(['started', 'coalesced']), workflowId: z.string() }), 200: z.object({ status: z.enum(['duplicate', 'paused']) }), 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { provider, integrationId } = request.params;
      const receiver = connectors.get(provider)?.webhook;
      const notFound = () => reply.code(404).send(apiError('not_found', `No ${provider} integration ${integrationId} takes webhooks`));
      const target = receiver && (await findWebhookTarget(db, keyring, provider, integrationId));
      if (!receiver || !target) return notFound();
      const secret = target.webhookSecret;
      const delivery = {
        method: request.method,
        publicUrl: `${request.protocol}://${request.host}${request.url}`,
        headers: request.headers,
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      };
      if (!secret || !receiver.verify(delivery, secret)) {
        metrics.webhookSignatureFailures.inc({ provider });
        return reply.code(401).send(apiError('invalid_signature', 'Webhook signature missing or invalid'));
      }
      // Without a delivery id a captured signed body could be replayed forever: refused.
      const deliveryId = receiver.deliveryId(delivery);
      if (!deliveryId) return reply.code(400).send(apiError('invalid_request', `A ${provider} delivery must carry ${receiver.deliveryIdSource}`));
      const stale = receiver.staleness?.(delivery, new Date());
      if (stale) return reply.code(400).send(apiError('invalid_request', `Delivery refused: ${stale}`));
      let deletion: ReturnType<NonNullable<typeof receiver.deletion>>;
      try {
        deletion = receiver.deletion?.(delivery);
      } catch (err) {
        if (err instanceof WebhookBodyError) return reply.code(400).send(apiError('invalid_request', err.message));
        throw err;
      }
      if (!(await recordDelivery(db, provider, deliveryId, integrationId))) return reply.code(200).send({ status: 'duplicate' as const });
      // Kept before anything starts: the next sync of the entity type asks the provider about it, paused or not.
      if (deletion) await recordDeletionNotice(db, integrationId, deletion.entityType, deletion.externalId);
      if (target.integrationStatus === 'paused') return reply.code(200).send({ status: 'paused' as const });
      try {
        const result = await startOrSignalSync(temporal, taskQueue, {
          integrationId,
          tenantId: target.tenantId,
          trigger: 'webhook',
          mode: 'incremental',
          correlationId: deliveryId.length <= 100 ? deliveryId : randomUUID(),
          ...(deletion ? { entityTypes: [deletion.entityType] } : {}),
        }, { queryTimeoutMs: syncQueryTimeoutMs });
        return reply.code(202).send({ status: result.status, workflowId: result.workflowId });
      } catch (err) {
        // Not started: forget the delivery so the provider's retry is not dropped as a duplicate.
        await forgetDelivery(db, integrationId, deliveryId);
        throw err;
      }
    },
  );
};
