import { apiError, errorSchema } from '../errors';
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { verifyHubSpotWebhook } from '../../connectors/hubspot/webhook';
import { z } from 'zod';
import { verifyBase64HmacSha256 } from '../../connectors/webhook-signature';
import { metrics } from '../../observability/metrics';
import type { Keyring } from '../../security/keyring';
import { findWebhookReceiver } from '../../store/connections';
import type { Db } from '../../store/db';
import { forgetDelivery, recordDelivery } from '../../store/webhook-deliveries';
import { startOrSignalSync } from '../../temporal/sync-starter';

type Headers = FastifyRequest['headers'];
const header = (headers: Headers, name: string) => (typeof headers[name] === 'string' ? (headers[name] as string) : undefined);

/** Per provider: how to check a delivery and which header names it for de-duplication. */
const verifiers: Record<string, { verify(raw: Buffer, request: FastifyRequest, secret: string): boolean; deliveryId(headers: Headers): string | undefined }> = {
  shopify: {
    verify: (raw, request, secret) => verifyBase64HmacSha256(raw, header(request.headers, 'x-shopify-hmac-sha256'), secret),
    deliveryId: (headers) => header(headers, 'x-shopify-webhook-id'),
  },
  woocommerce: {
    verify: (raw, request, secret) => verifyBase64HmacSha256(raw, header(request.headers, 'x-wc-webhook-signature'), secret),
    deliveryId: (headers) => header(headers, 'x-wc-webhook-delivery-id'),
  },
  hubspot: {
    verify: (raw, request, secret) =>
      verifyHubSpotWebhook(
        {
          method: request.method,
          uri: `${request.protocol}://${request.host}${request.url}`,
          rawBody: raw,
          signature: header(request.headers, 'x-hubspot-signature-v3'),
          timestamp: header(request.headers, 'x-hubspot-request-timestamp'),
        },
        secret,
      ),
    // HubSpot sends no delivery id header; its retries carry the same events, which a second pass finds unchanged.
    deliveryId: () => undefined,
  },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Webhooks authenticate by signature, not API key. The raw body is kept for the check; a bad or missing signature
 * is a 401 and starts nothing; a redelivery (same delivery id) is acknowledged and dropped.
 */
export const webhookRoutes: FastifyPluginAsyncZod<{ db: Db; keyring: Keyring; temporal: Client; taskQueue: string }> = async (app, { db, keyring, temporal, taskQueue }) => {
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body));

  app.post(
    '/webhooks/:provider/:integrationId',
    {
      schema: {
        tags: ['webhooks'],
        params: z.object({ provider: z.string().min(1).max(50), integrationId: z.string().min(1).max(100) }).strict(),
        response: { 202: z.object({ status: z.enum(['started', 'coalesced']), workflowId: z.string() }), 200: z.object({ status: z.enum(['duplicate', 'paused']) }), 401: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { provider, integrationId } = request.params;
      const verifier = verifiers[provider];
      const notFound = () => reply.code(404).send(apiError('not_found', `No ${provider} integration ${integrationId} takes webhooks`));
      if (!verifier || !UUID.test(integrationId)) return notFound();
      const receiver = await findWebhookReceiver(db, keyring, provider, integrationId);
      if (!receiver) return notFound();
      const secret = receiver.webhookSecret;
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!secret || !verifier.verify(raw, request, secret)) {
        metrics.webhookSignatureFailures.inc({ provider });
        return reply.code(401).send(apiError('invalid_signature', 'Webhook signature missing or invalid'));
      }
      const deliveryId = verifier.deliveryId(request.headers);
      if (deliveryId) {
        if (!(await recordDelivery(db, provider, deliveryId, integrationId))) return reply.code(200).send({ status: 'duplicate' as const });
      }
      if (receiver.integrationStatus === 'paused') return reply.code(200).send({ status: 'paused' as const });
      try {
        const result = await startOrSignalSync(temporal, taskQueue, {
          integrationId,
          tenantId: receiver.tenantId,
          trigger: 'webhook',
          mode: 'incremental',
          correlationId: deliveryId ?? randomUUID(),
        });
        return reply.code(202).send({ status: result.status, workflowId: result.workflowId });
      } catch (err) {
        // Not started: forget the delivery so the provider's retry is not dropped as a duplicate.
        if (deliveryId) await forgetDelivery(db, provider, deliveryId);
        throw err;
      }
    },
  );
};
