import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { EventBus } from '../events/bus';
import type { Logger } from '../observability/logger';
import type { Db } from '../store/db';
import { registerErrorHandler } from './errors';
import { healthRoutes } from './routes/health';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface AppDeps {
  db: Db;
  bus: EventBus;
  temporal: Client;
  logger: Logger;
}

/** Builds the whole app without listening, so tests use `app.inject` on exactly what production serves. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  await app.register(swagger, {
    openapi: { info: { title: 'Integration Sync API', version: '0.1.0' } },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, {
    probes: {
      temporal: async () => {
        await deps.temporal.workflowService.getSystemInfo({});
      },
      postgres: async () => {
        await deps.db.query('SELECT 1');
      },
      bus: () => deps.bus.ping(),
    },
  });
  return app;
}
