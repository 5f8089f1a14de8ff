import { errorSchema, notFound } from '../errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectorRegistry } from '../../connectors/registry';
import { fieldMappingSchema, mergeMappings } from '../../mapping/field-mapping';
import type { Db } from '../../store/db';
import { getFieldMapping, saveFieldMapping } from '../../store/field-mappings';
import { findIntegration } from '../../store/integrations';

const params = z.object({ id: z.string().min(1).max(100), entityType: z.string().min(1).max(100) }).strict();
const mappingResponse = z.object({ entityType: z.string(), override: fieldMappingSchema.nullable(), effective: fieldMappingSchema });

/** Field mappings per integration and entity type: a stored override on top of the connector's defaults. */
export const mappingRoutes: FastifyPluginAsyncZod<{ db: Db; connectors: ConnectorRegistry }> = async (app, { db, connectors }) => {
  app.addHook('onRequest', app.requireTenant);

  const load = async (tenantId: string, id: string, entityType: string) => {
    const integration = await findIntegration(db, tenantId, id);
    const defaults = integration ? connectors.get(integration.provider)?.defaultMappings[entityType] : undefined;
    return integration && defaults ? { integration, defaults } : undefined;
  };

  app.get('/integrations/:id/mappings/:entityType', { schema: { tags: ['integrations'], params, response: { 200: mappingResponse, 404: errorSchema } } }, async (request, reply) => {
    const found = await load(request.tenantId, request.params.id, request.params.entityType);
    if (!found) return reply.code(404).send(notFound('Integration or entity type'));
    const override = (await getFieldMapping(db, request.tenantId, found.integration.id, request.params.entityType)) ?? null;
    return { entityType: request.params.entityType, override, effective: mergeMappings(found.defaults, override ?? undefined) };
  });

  app.put(
    '/integrations/:id/mappings/:entityType',
    { schema: { tags: ['integrations'], params, body: fieldMappingSchema, response: { 200: mappingResponse, 404: errorSchema } } },
    async (request, reply) => {
      const found = await load(request.tenantId, request.params.id, request.params.entityType);
      if (!found) return reply.code(404).send(notFound('Integration or entity type'));
      await saveFieldMapping(db, { tenantId: request.tenantId, integrationId: found.integration.id, entityType: request.params.entityType, mapping: request.body });
      return { entityType: request.params.entityType, override: request.body, effective: mergeMappings(found.defaults, request.body) };
    },
  );
};
