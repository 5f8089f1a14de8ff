import { apiError, errorSchema } from '../errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EventBus } from '../../events/bus';
import type { EventEnvelope } from '../../events/envelope';

/**
 * Spec 004's SSE stream of a tenant's sync events (`businessId` is the tenant id). `event:` is the type, `id:` the
 * event id, `data:` the envelope; a comment line every `heartbeatMs` keeps proxies from closing an idle stream.
 */
export const sseRoutes: FastifyPluginAsyncZod<{ bus: EventBus; heartbeatMs: number }> = async (app, { bus, heartbeatMs }) => {
  app.addHook('onRequest', app.requireTenant);

  app.get(
    '/integrations/events/sse/:businessId',
    {
      schema: {
        tags: ['events'],
        params: z.object({ businessId: z.string().min(1).max(100) }).strict(),
        querystring: z.object({ integrationId: z.string().max(100).optional(), types: z.string().max(2000).optional() }).strict(),
        response: { 403: errorSchema, 503: errorSchema },
      },
    },
    async (request, reply) => {
      if (request.params.businessId !== request.tenantId) {
        return reply.code(403).send(apiError('forbidden', 'This API key does not belong to that business'));
      }
      const types = request.query.types ? new Set(request.query.types.split(',').map((t) => t.trim())) : undefined;
      const wanted = (e: EventEnvelope) =>
        e.tenantId === request.tenantId && (!request.query.integrationId || e.integrationId === request.query.integrationId) && (!types || types.has(e.type));

      const sent = new Set<string>();
      const send = (event: EventEnvelope) => {
        if (!wanted(event) || sent.has(event.id)) return;
        sent.add(event.id);
        reply.raw.write(`event: ${event.type}\nid: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      // Subscribed before anything is written, holding live events back until the stream is open and the missed ones
      // are replayed, so nothing falls between them; an unreachable bus is still an answer (503), not a dead stream.
      const lastEventId = request.headers['last-event-id'];
      let held: EventEnvelope[] | undefined = [];
      const unavailable = (err: unknown) => {
        request.log.warn({ err }, 'event stream unavailable');
        return reply.code(503).send(apiError('unavailable', 'The event bus is unreachable; try again shortly'));
      };
      let unsubscribe: () => Promise<void>;
      let missed: EventEnvelope[] | undefined;
      try {
        unsubscribe = await bus.subscribe((event) => (held ? held.push(event) : send(event)));
      } catch (err) {
        return unavailable(err);
      }
      try {
        missed = typeof lastEventId === 'string' ? await bus.liveEventsAfter(lastEventId) : [];
      } catch (err) {
        await unsubscribe();
        return unavailable(err);
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.write(': connected\n\n');
      if (!missed) res.write(`: last event ${String(lastEventId)} is no longer kept; live events only\n\n`);
      for (const event of missed ?? []) send(event);
      const buffered = held;
      held = undefined;
      for (const event of buffered) send(event);
      const heartbeat = setInterval(() => {
        res.write(': heartbeat\n\n');
        if (sent.size > 10_000) sent.clear(); // only needed around the replay; keep it bounded
      }, heartbeatMs);
      request.raw.once('close', () => {
        clearInterval(heartbeat);
        void unsubscribe();
      });
    },
  );
};
