import { apiError, errorSchema } from '../errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EventBus, LiveEntry } from '../../events/bus';
import type { EventEnvelope } from '../../events/envelope';
import { compareFeedPositions } from '../../events/feed-position';
import { defaultOf } from '../../config/env';

export interface SseLimits {
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** SSE_MAX_STREAMS / SSE_MAX_STREAMS_PER_TENANT: open streams on this process. */
  maxStreams: number;
  maxStreamsPerTenant: number;
  /** SSE_MAX_BUFFERED_BYTES: a client this far behind is dropped rather than held in memory. */
  maxBufferedBytes: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = {
  heartbeatMs: 15_000,
  maxStreams: defaultOf('SSE_MAX_STREAMS'),
  maxStreamsPerTenant: defaultOf('SSE_MAX_STREAMS_PER_TENANT'),
  maxBufferedBytes: defaultOf('SSE_MAX_BUFFERED_BYTES'),
};

/** Seconds a refused client should wait: streams end when clients leave, not on a clock, so this is a polite guess. */
const RETRY_AFTER_SECONDS = 10;

/**
 * Spec 004's SSE stream of a tenant's sync events (`businessId` is the tenant id). `event:` is the type, `id:` the
 * live-feed position (Last-Event-ID resumes from it), `data:` the envelope. Every stream of this process shares the
 * bus's one feed reader; the counts below bound how many there are.
 */
export const sseRoutes: FastifyPluginAsyncZod<{ bus: EventBus; limits: SseLimits }> = async (app, { bus, limits }) => {
  const openPerTenant = new Map<string, number>();
  let open = 0;

  app.addHook('onRequest', app.requireTenant);

  app.get(
    '/integrations/events/sse/:businessId',
    {
      schema: {
        tags: ['events'],
        description:
          'Server-sent events of the tenant\'s sync events. Send `Last-Event-ID` (the last `id:` received) to get what was missed; ' +
          'a position the feed no longer keeps answers 412: reconnect without it and read the sync status.',
        params: z.object({ businessId: z.string().min(1).max(100) }).strict(),
        querystring: z.object({ integrationId: z.string().max(100).optional(), types: z.string().max(2000).optional() }).strict(),
        headers: z.looseObject({ 'last-event-id': z.string().max(100).optional() }),
        response: {
          200: z.string().describe('text/event-stream'),
          403: errorSchema,
          412: errorSchema,
          429: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const tenantId = request.tenantId!;
      if (request.params.businessId !== tenantId) {
        return reply.code(403).send(apiError('forbidden', 'This API key does not belong to that business'));
      }
      const tenantOpen = openPerTenant.get(tenantId) ?? 0;
      if (open >= limits.maxStreams || tenantOpen >= limits.maxStreamsPerTenant) {
        const which = open >= limits.maxStreams ? `this server's ${limits.maxStreams}` : `the tenant's ${limits.maxStreamsPerTenant}`;
        return reply
          .code(429)
          .header('retry-after', String(RETRY_AFTER_SECONDS))
          .send(apiError('rate_limited', `Too many open event streams (${which}); close one or retry later`));
      }
      // Counted from here, and released by the one close handler, attached before any wait so an early disconnect is seen.
      open++;
      openPerTenant.set(tenantId, tenantOpen + 1);
      const cleanups: Array<() => void> = [];
      let closed = false;
      reply.raw.once('close', () => {
        closed = true;
        open--;
        const left = (openPerTenant.get(tenantId) ?? 1) - 1;
        if (left === 0) openPerTenant.delete(tenantId);
        else openPerTenant.set(tenantId, left);
        for (const cleanup of cleanups) cleanup();
      });

      const types = request.query.types ? new Set(request.query.types.split(',').map((t) => t.trim())) : undefined;
      const wanted = (e: EventEnvelope) =>
        e.tenantId === tenantId && (!request.query.integrationId || e.integrationId === request.query.integrationId) && (!types || types.has(e.type));

      const res = reply.raw;
      let lastSent: string | undefined;
      const write = (frame: string) => {
        res.write(frame);
        if (res.writableLength > limits.maxBufferedBytes) {
          request.log.warn({ buffered: res.writableLength }, 'event stream dropped: the client does not keep up');
          res.destroy();
        }
      };
      const send = ({ position, event }: LiveEntry) => {
        if (closed || !wanted(event) || (lastSent && compareFeedPositions(position, lastSent) <= 0)) return;
        lastSent = position;
        write(`event: ${event.type}\nid: ${position}\ndata: ${JSON.stringify(event)}\n\n`);
      };

      // Subscribed before anything is written, holding live entries back until the missed ones are sent, so nothing
      // falls between them; an unreachable bus is still an answer (503), not a dead stream.
      let held: LiveEntry[] | undefined = [];
      const unavailable = (err: unknown) => {
        request.log.warn({ err }, 'event stream unavailable');
        return reply.code(503).send(apiError('unavailable', 'The event bus is unreachable; try again shortly'));
      };
      let missed: LiveEntry[] | undefined = [];
      try {
        const unsubscribe = await bus.subscribe((entry) => (held ? held.push(entry) : send(entry)));
        cleanups.push(() => void unsubscribe());
        if (closed) return unsubscribe();
      } catch (err) {
        return unavailable(err);
      }
      const lastEventId = request.headers['last-event-id'];
      if (lastEventId !== undefined) {
        try {
          missed = await bus.liveEventsAfter(lastEventId, wanted);
        } catch (err) {
          return unavailable(err);
        }
        if (!missed) {
          return reply
            .code(412)
            .send(apiError('precondition_failed', `Last-Event-ID ${JSON.stringify(lastEventId)} is not in the event feed (unknown or older than it keeps); reconnect without it and read the sync status`));
        }
      }
      if (closed) return;
      reply.hijack();
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      write(': connected\n\n');
      for (const entry of missed) send(entry);
      const buffered = held;
      held = undefined;
      for (const entry of buffered) send(entry);
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), limits.heartbeatMs);
      cleanups.push(() => clearInterval(heartbeat));
    },
  );
};
