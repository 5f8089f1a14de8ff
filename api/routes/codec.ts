// Codec server for the Temporal UI ("Codec Server endpoint" in its settings): operators holding the admin key see
// decoded payloads; a history read without the key shows ciphertext only.
import { errorSchema } from '../errors';
import type { PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const jsonPayload = z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }).strict();
const payloads = z.object({ payloads: z.array(jsonPayload).max(1_000) }).strict();

const toPayload = (p: z.infer<typeof jsonPayload>) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export const codecRoutes: FastifyPluginAsyncZod<{ codec: PayloadCodec; corsOrigin: string }> = async (app, { codec, corsOrigin }) => {
  // CORS for the UI's origin, answered before auth so the browser's preflight (which carries no key) succeeds.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Access-Control-Allow-Origin', corsOrigin);
    reply.header('Access-Control-Allow-Credentials', 'true');
    reply.header('Vary', 'Origin');
    if (request.method === 'OPTIONS') {
      reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      return reply.code(204).send();
    }
    return app.requireAdmin(request, reply);
  });
  app.options('/codec/*', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());

  for (const direction of ['decode', 'encode'] as const) {
    app.post(
      `/codec/${direction}`,
      { schema: { tags: ['operations'], body: payloads, response: { 200: payloads, 401: errorSchema, 403: errorSchema } } },
      async (request) => ({ payloads: (await codec[direction](request.body.payloads.map(toPayload))).map(toJson) }),
    );
  }
};
