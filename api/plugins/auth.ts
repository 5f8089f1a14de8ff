// Bearer API keys: a tenant key scopes every route to its tenant; the admin key (ADMIN_API_KEY) manages tenants.
import { apiError } from '../errors';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../../store/db';
import { tenantOfApiKey } from '../../store/tenants';

declare module 'fastify' {
  interface FastifyRequest {
    tenantId: string;
  }
  interface FastifyInstance {
    requireTenant(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

/** Compared in constant time, so the answer's timing says nothing about how much of a key was right. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const bearer = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
};

const unauthorized = (reply: FastifyReply, message: string) => reply.code(401).send(apiError('unauthorized', message));

export default fp<{ db: Db; adminApiKey?: string | undefined }>(
  async (app: FastifyInstance, { db, adminApiKey }) => {
    app.decorateRequest('tenantId', '');

    app.decorate('requireTenant', async (request: FastifyRequest, reply: FastifyReply) => {
      const key = bearer(request);
      if (!key) return unauthorized(reply, 'Missing Authorization: Bearer <api key>');
      const tenantId = await tenantOfApiKey(db, key);
      if (!tenantId) return unauthorized(reply, 'Unknown or revoked API key');
      request.tenantId = tenantId;
    });

    app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
      const key = bearer(request);
      if (!adminApiKey) return reply.code(403).send(apiError('forbidden', 'Admin routes are disabled: ADMIN_API_KEY is not set'));
      if (!sameSecret(key, adminApiKey)) return unauthorized(reply, 'Admin API key required');
    });
  },
  { name: 'auth' },
);
