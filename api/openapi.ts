// What the OpenAPI document promises beyond each route's own schema, kept true in one place: the statuses every
// operation can answer, 405 for other methods on a known path, 204s without a body, and no dangling references.
import type { FastifyInstance, RouteOptions } from 'fastify';
import FindMyWay from 'find-my-way';
import { jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { apiError, errorSchema } from './errors';

/** Past every path parameter's own maximum, so an over-long id is a 400 naming it; 414 only past this. */
export const MAX_PARAM_LENGTH = 1_000;

/** Paths answered without an API key. */
const OPEN_PATHS = new Set(['/health', '/ready']);

interface RouteSchema {
  hide?: boolean;
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
  headers?: unknown;
  response?: Record<string, unknown>;
}

/** `/integrations/:id` as OpenAPI writes it. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/**
 * Adds to every documented route the error answers it gives without its handler deciding: 400 for input its schema
 * refuses, 401 without a valid key (or signature), 413/415 for a body too large or not JSON, 414 for a path past
 * Fastify's parameter length, 500. A route's own entries are kept. Returns the operations whose body may be left out.
 */
export function documentCommonAnswers(app: FastifyInstance): Set<string> {
  const optionalBodies = new Set<string>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as RouteSchema | undefined;
    if (!schema || schema.hide) return;
    const body = schema.body as { safeParse?: (value: unknown) => { success: boolean } } | undefined;
    if (body?.safeParse?.(undefined).success) for (const method of [route.method].flat()) optionalBodies.add(`${method.toLowerCase()} ${openApiPath(route.url)}`);
    const response = (schema.response ??= {});
    const add = (status: number, when: boolean) => {
      if (when && !(status in response)) response[status] = errorSchema;
    };
    add(400, Boolean(schema.params || schema.querystring || schema.body || schema.headers));
    add(401, !OPEN_PATHS.has(route.url));
    add(413, Boolean(schema.body));
    add(414, Boolean(schema.params));
    add(415, Boolean(schema.body));
    add(500, !OPEN_PATHS.has(route.url));
  });
  return optionalBodies;
}

/** 405 with `Allow` for a method a known path does not take (a 404 stays for paths that do not exist at all). */
export function answerMethodNotAllowed(app: FastifyInstance): void {
  const paths = FindMyWay({ ignoreTrailingSlash: false, maxParamLength: MAX_PARAM_LENGTH });
  const methodsOf = new Map<string, Set<string>>();
  app.addHook('onRoute', (route: RouteOptions) => {
    let methods = methodsOf.get(route.url);
    if (!methods) {
      methods = new Set();
      methodsOf.set(route.url, methods);
      paths.on('GET', route.url, () => undefined, methods);
    }
    for (const method of [route.method].flat()) methods.add(method);
  });
  // onRequest runs before Fastify reads a body, so an unknown method with a body (QUERY, …) is refused as such.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const known = paths.find('GET', request.url.split('?')[0]!);
    if (!known) return;
    const allowed = [...(known.store as Set<string>)].sort().join(', ');
    return reply.code(405).header('allow', allowed).send(apiError('method_not_allowed', `${request.method} is not allowed on this path; allowed: ${allowed}`));
  });
}

type OpenApiDocument = ReturnType<typeof jsonSchemaTransformObject>;

interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
  responses?: Record<string, { content?: unknown; description?: string }>;
}

/**
 * The zod provider's document transform (it writes registered schemas, such as the recursive FieldRule, to
 * components), then: a body that may be left out is not required (and JSON null stands for it), a 204 carries no body, and the event stream is
 * text/event-stream, not JSON.
 */
export const finishOpenApiDocument = (optionalBodies: Set<string>) => (input: Parameters<typeof jsonSchemaTransformObject>[0]): OpenApiDocument => {
  const document = jsonSchemaTransformObject(input) as { paths?: Record<string, Record<string, Operation>> };
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      if (operation.requestBody && optionalBodies.has(`${method} ${path}`)) {
        operation.requestBody.required = false;
        for (const media of Object.values(operation.requestBody.content ?? {})) if (media.schema) media.schema.nullable = true;
      }
      const responses = operation.responses ?? {};
      if (responses['204']) responses['204'] = { description: 'No Content' };
      if (path.startsWith('/integrations/events/sse/') && responses['200']) {
        responses['200'] = { description: 'An event stream (event, id, data per event)', content: { 'text/event-stream': { schema: { type: 'string' } } } };
      }
    }
  }
  return document as OpenApiDocument;
};
