import { apiError, errorSchema } from '../errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../store/db';
import { rotateApiKey } from '../../store/tenants';
import { bearer } from '../plugins/auth';

/** A tenant replaces its own key: the one presented stops working at once and a new one is shown, once. */
export const apiKeyRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.addHook('onRequest', app.requireTenant);

  app.post(
    '/api-keys/rotate',
    { schema: { tags: ['admin'], response: { 201: z.object({ id: z.string(), tenantId: z.string(), key: z.string() }), 401: errorSchema } } },
    async (request, reply) => {
      const rotated = await rotateApiKey(db, bearer(request) ?? '');
      if (!rotated) return reply.code(401).send(apiError('unauthorized', 'Unknown or revoked API key'));
      return reply.code(201).send(rotated);
    },
  );
};
