import { apiError, errorSchema, notFound } from '../errors';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../store/db';
import { listPendingDeadLetters } from '../../store/dead-letters';
import { findIntegration } from '../../store/integrations';
import { startDeadLetterReplay } from '../../temporal/workflow-starters';
import { uuidParam } from '../schemas';

export const deadLetterRoutes: FastifyPluginAsyncZod<{ db: Db; temporal: Client; taskQueue: string }> = async (app, { db, temporal, taskQueue }) => {
  app.addHook('onRequest', app.requireTenant);

  app.get(
    '/integrations/:id/dead-letters',
    {
      schema: {
        tags: ['integrations'],
        params: uuidParam,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict(),
        response: {
          200: z.object({
            items: z.array(z.object({ id: z.string(), syncTaskId: z.string(), entityType: z.string(), externalId: z.string().nullable(), error: z.string(), raw: z.unknown(), createdAt: z.string() })),
          }),
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const integration = await findIntegration(db, request.tenantId, request.params.id);
      if (!integration) return reply.code(404).send(notFound('Integration'));
      const letters = await listPendingDeadLetters(db, { tenantId: request.tenantId, integrationId: integration.id, limit: request.query.limit, order: 'newest' });
      return { items: letters.map((l) => ({ ...l, createdAt: l.createdAt.toISOString() })) };
    },
  );

  app.post(
    '/integrations/:id/dead-letters/replay',
    { schema: { tags: ['integrations'], params: uuidParam, response: { 202: z.object({ workflowId: z.string() }), 404: errorSchema, 409: errorSchema } } },
    async (request, reply) => {
      const integration = await findIntegration(db, request.tenantId, request.params.id);
      if (!integration) return reply.code(404).send(notFound('Integration'));
      const correlationId = String(request.headers['x-correlation-id'] ?? randomUUID());
      const { workflowId, started } = await startDeadLetterReplay(temporal, taskQueue, { integrationId: integration.id, tenantId: request.tenantId, correlationId });
      if (!started) return reply.code(409).send(apiError('already_running', 'A replay of this integration is already running'));
      return reply.code(202).send({ workflowId });
    },
  );
};
