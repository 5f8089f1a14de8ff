import { errorSchema, notFound } from '../errors';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { syncStateSchema } from '../../contracts/sync';
import { findConnectionSummary } from '../../store/connections';
import type { Db } from '../../store/db';
import { outboxBacklog } from '../../store/event-outbox';
import { findIntegration } from '../../store/integrations';
import { runningSyncState } from '../../temporal/sync-starter';
import { iso } from '../schemas';

/** Spec 004's sync-status route: the live state from the workflow's query, and the last result kept on the integration. */
export const syncStatusRoutes: FastifyPluginAsyncZod<{ db: Db; temporal: Client; syncQueryTimeoutMs: number }> = async (app, { db, temporal, syncQueryTimeoutMs }) => {
  app.addHook('onRequest', app.requireTenant);

  app.get(
    '/integrations/events/sync-status/:integrationId',
    {
      schema: {
        tags: ['syncs'],
        description: '`state` is the running sync\'s live state; null when none runs, or when no worker answered its query in time (API_SYNC_QUERY_TIMEOUT).',
        params: z.object({ integrationId: z.string().min(1).max(100) }).strict(),
        response: {
          200: z.object({
            integrationId: z.string(),
            syncing: z.boolean(),
            state: syncStateSchema.nullable(),
            lastSync: z
              .object({ status: z.string().nullable(), syncTaskId: z.string().nullable(), startedAt: z.string().nullable(), finishedAt: z.string().nullable(), counts: z.record(z.string(), z.number()).nullable(), error: z.string().nullable() })
              .nullable(),
            nextSyncAt: z.string().nullable(),
            paused: z.boolean(),
            pauseReason: z.string().nullable(),
            connectionStatus: z.string().nullable(),
            // Events of this integration waiting in the outbox for Redis (README: Events): delivered, in order, once it answers.
            undeliveredEvents: z.object({ count: z.number().int(), oldestAt: z.string().nullable() }),
          }),
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const integration = await findIntegration(db, request.tenantId, request.params.integrationId);
      if (!integration) return reply.code(404).send(notFound('Integration'));
      const { running, state } = await runningSyncState(temporal, integration.id, syncQueryTimeoutMs);
      const connectionStatus = (await findConnectionSummary(db, request.tenantId, integration.id))?.status ?? null;
      const waiting = await outboxBacklog(db, integration.id);
      return {
        integrationId: integration.id,
        // Without its state (no worker answered in time) the workflow's own status says it runs.
        syncing: state ? state.status === 'running' : running,
        state,
        lastSync: integration.lastSyncStatus
          ? {
              status: integration.lastSyncStatus,
              syncTaskId: integration.lastSyncTaskId,
              startedAt: iso(integration.lastSyncAt),
              finishedAt: iso(integration.lastSyncFinishedAt),
              counts: integration.lastSyncCounts,
              error: integration.lastSyncError,
            }
          : null,
        nextSyncAt: iso(integration.nextSyncAt),
        paused: integration.status === 'paused',
        // Why it is not being scheduled, when it is not.
        pauseReason: integration.status === 'paused' ? integration.pauseReason : connectionStatus === 'reauth_required' ? 'connection needs a new authorisation' : null,
        connectionStatus,
        undeliveredEvents: { count: waiting.events, oldestAt: iso(waiting.oldestAt) },
      };
    },
  );
};
