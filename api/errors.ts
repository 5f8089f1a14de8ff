import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Every code an error answer can carry; clients may branch on them, so they only grow. */
export const API_ERROR_CODES = [
  'invalid_request',
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'quota_exceeded',
  'already_running',
  'paused',
  'unknown_provider',
  'invalid_signature',
  'payload_too_large',
  'unsupported_media_type',
  'precondition_failed',
  'rate_limited',
  'unavailable',
  'internal_error',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const errorSchema = z.object({ error: z.object({ code: z.enum(API_ERROR_CODES), message: z.string() }) });

export const apiError = (code: ApiErrorCode, message: string) => ({ error: { code, message } });

export const notFound = (what: string) => apiError('not_found', `${what} not found`);

/** Fastify's own 4xx (FST_ERR_…) answered with one of our codes, chosen by status. */
const codeOfStatus: Record<number, ApiErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  503: 'unavailable',
};
const isApiErrorCode = (code: string | undefined): code is ApiErrorCode => (API_ERROR_CODES as readonly string[]).includes(code ?? '');

/** Wire errors are `{ error: { code, message } }`; a 5xx never carries its internal message to the caller. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => `${v.instancePath || '/'} ${v.message ?? ''}`.trim());
      return reply.code(400).send(apiError('invalid_request', `Invalid ${err.validationContext ?? 'request'}: ${details.join('; ')}`));
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.code(status).send(apiError('internal_error', 'Internal server error'));
    }
    const code = isApiErrorCode(err.code) ? err.code : (codeOfStatus[status] ?? 'bad_request');
    return reply.code(status).send(apiError(code, err.message));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(apiError('not_found', `Route ${request.method} ${request.url} not found`)));
}

/** The path of the first string in `value` holding NUL, which PostgreSQL's text and jsonb cannot store. */
export function nulPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '/' : undefined;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${path}/${key.replaceAll('\u0000', '\\u0000')}`;
    const found = nulPath(item, `${path}/${key}`);
    if (found) return found;
  }
  return undefined;
}

/** A body the database could not hold is the client's mistake: a 400 naming the field, not a 500. */
export function refuseNulInBodies(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    const path = nulPath(request.body);
    if (path) return reply.code(400).send(apiError('invalid_request', `Invalid body: ${path} contains a NUL character (\\u0000), which cannot be stored`));
  });
}
