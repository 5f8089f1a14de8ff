import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** Wire errors are `{ error: { code, message } }`; a 5xx never carries its internal message to the caller. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => `${v.instancePath || '/'} ${v.message ?? ''}`.trim());
      return reply.code(400).send({ error: { code: 'invalid_request', message: `Invalid ${err.validationContext ?? 'request'}: ${details.join('; ')}` } });
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: { code: 'internal_error', message: 'Internal server error' } });
    }
    return reply.code(status).send({ error: { code: err.code ?? 'bad_request', message: err.message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `Route ${request.method} ${request.url} not found` } }),
  );
}
