import { apiError, errorSchema, notFound } from '../errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../store/db';
import { createApiKey, createTenant, listApiKeys, revokeApiKey, tenantExists } from '../../store/tenants';
import { iso, optionalBody } from '../schemas';

const tenantId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _, at most 63');

/** Admin only: tenants and their API keys (a key is shown once, then only its hash is kept). */
export const tenantRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.addHook('onRequest', app.requireAdmin);

  app.post(
    '/tenants',
    {
      schema: {
        tags: ['admin'],
        body: z.object({ id: tenantId, name: z.string().min(1).max(200) }).strict(),
        response: { 201: z.object({ id: z.string(), name: z.string(), createdAt: z.string() }), 409: errorSchema },
      },
    },
    async (request, reply) => {
      const tenant = await createTenant(db, request.body);
      if (!tenant) return reply.code(409).send(apiError('conflict', `Tenant ${request.body.id} already exists`));
      return reply.code(201).send({ ...tenant, createdAt: tenant.createdAt.toISOString() });
    },
  );

  app.post(
    '/tenants/:id/api-keys',
    {
      schema: {
        tags: ['admin'],
        params: z.object({ id: tenantId }).strict(),
        body: optionalBody(z.object({ label: z.string().max(200).optional() }).strict()),
        response: { 201: z.object({ id: z.string(), tenantId: z.string(), key: z.string() }), 404: errorSchema },
      },
    },
    async (request, reply) => {
      if (!(await tenantExists(db, request.params.id))) return reply.code(404).send(notFound('Tenant'));
      const key = await createApiKey(db, request.params.id, request.body.label);
      return reply.code(201).send({ id: key.id, tenantId: request.params.id, key: key.key });
    },
  );

  app.get(
    '/tenants/:id/api-keys',
    {
      schema: {
        tags: ['admin'],
        params: z.object({ id: tenantId }).strict(),
        response: { 200: z.object({ items: z.array(z.object({ id: z.string(), label: z.string().nullable(), createdAt: z.string(), revokedAt: z.string().nullable() })) }), 404: errorSchema },
      },
    },
    async (request, reply) => {
      if (!(await tenantExists(db, request.params.id))) return reply.code(404).send(notFound('Tenant'));
      const keys = await listApiKeys(db, request.params.id);
      return { items: keys.map((k) => ({ ...k, createdAt: k.createdAt.toISOString(), revokedAt: iso(k.revokedAt) })) };
    },
  );

  app.delete(
    '/tenants/:id/api-keys/:keyId',
    { schema: { tags: ['admin'], params: z.object({ id: tenantId, keyId: z.string().min(1).max(100) }).strict(), response: { 204: z.null(), 404: errorSchema } } },
    async (request, reply) => {
      // Refused from the next request on: keys are looked up on every request, not cached.
      if (!(await revokeApiKey(db, request.params.id, request.params.keyId))) return reply.code(404).send(notFound('API key'));
      return reply.code(204).send(null);
    },
  );
};
