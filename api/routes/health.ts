import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

export type Probe = () => Promise<void>;

const readiness = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.record(z.string(), z.string()) });

/** `/health`: the process answers. `/ready`: every dependency answers; 503 names the ones that do not. */
export const healthRoutes: FastifyPluginAsyncZod<{ probes: Record<string, Probe> }> = async (app, { probes }) => {
  app.get('/health', { schema: { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/ready', { schema: { tags: ['health'], response: { 200: readiness, 503: readiness } } }, async (_request, reply) => {
    const entries = await Promise.all(
      Object.entries(probes).map(async ([name, probe]) => {
        try {
          await withTimeout(probe(), 2_000);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `unreachable: ${err instanceof Error ? err.message : String(err)}`] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, state]) => state === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
