import { apiError, errorSchema, notFound } from '../errors';
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { syncModeSchema, syncWorkflowId } from '../../contracts/sync';
import type { Db } from '../../store/db';
import { findIntegration } from '../../store/integrations';
import { optionalBody, uuidParam } from '../schemas';
import { cancelRunningSync, startOrSignalSync } from '../../temporal/sync-starter';

const startResponse = z.object({ workflowId: z.string(), syncTaskId: z.string().nullable(), status: z.enum(['started', 'coalesced']) });

export const syncRoutes: FastifyPluginAsyncZod<{ db: Db; temporal: Client; taskQueue: string; syncQueryTimeoutMs: number }> = async (app, { db, temporal, taskQueue, syncQueryTimeoutMs }) => {
  app.addHook('onRequest', app.requireTenant);

  app.post(
    '/integrations/:id/sync',
    {
      schema: {
        tags: ['syncs'],
        params: uuidParam,
        body: optionalBody(z.object({ mode: syncModeSchema.optional(), entityTypes: z.array(z.string().min(1).max(100)).min(1).max(20).optional() }).strict()),
        response: { 202: startResponse, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const integration = await findIntegration(db, request.tenantId, request.params.id);
      if (!integration) return reply.code(404).send(notFound('Integration'));
      if (integration.status === 'paused') return reply.code(409).send(apiError('paused', `Integration is paused: ${integration.pauseReason ?? ''}`.trim()));
      const result = await startOrSignalSync(temporal, taskQueue, {
        integrationId: integration.id,
        tenantId: request.tenantId,
        trigger: 'manual',
        mode: request.body.mode ?? 'incremental',
        correlationId: String(request.headers['x-correlation-id'] ?? randomUUID()),
        ...(request.body.entityTypes ? { entityTypes: request.body.entityTypes } : {}),
      }, { syncTaskIdOfRunning: true, queryTimeoutMs: syncQueryTimeoutMs });
      return reply.code(202).send(result);
    },
  );

  app.delete(
    '/integrations/:id/sync',
    { schema: { tags: ['syncs'], params: uuidParam, response: { 202: z.object({ workflowId: z.string(), status: z.literal('cancelling') }), 404: errorSchema, 409: errorSchema } } },
    async (request, reply) => {
      const integration = await findIntegration(db, request.tenantId, request.params.id);
      if (!integration) return reply.code(404).send(notFound('Integration'));
      if (!(await cancelRunningSync(temporal, integration.id))) return reply.code(409).send(apiError('conflict', 'No sync of this integration is running'));
      return reply.code(202).send({ workflowId: syncWorkflowId(integration.id), status: 'cancelling' as const });
    },
  );
};
