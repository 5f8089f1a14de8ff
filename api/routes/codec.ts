// Codec server for the Temporal UI ("Codec Server endpoint" in its settings): operators holding the codec key
// (CODEC_API_KEY, its own, since a browser carries it) see decoded payloads; without it histories show ciphertext only.
import { LARGE_BODY_LIMIT } from '../body-limits';
import { apiError, errorSchema } from '../errors';
import { bearer, sameSecret } from '../plugins/auth';
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

export const codecRoutes: FastifyPluginAsyncZod<{ codec: PayloadCodec; corsOrigin: string; codecApiKey: string | undefined }> = async (app, { codec, corsOrigin, codecApiKey }) => {
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
    if (!codecApiKey) return reply.code(403).send(apiError('forbidden', 'Codec endpoints are disabled: CODEC_API_KEY is not set'));
    if (!sameSecret(bearer(request), codecApiKey)) return reply.code(401).send(apiError('unauthorized', 'Codec API key required'));
  });
  app.options('/codec/*', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());

  for (const direction of ['decode', 'encode'] as const) {
    app.post(
      `/codec/${direction}`,
      // A history's payloads, as the Temporal UI sends them.
      { bodyLimit: LARGE_BODY_LIMIT, schema: { tags: ['operations'], body: payloads, response: { 200: payloads, 401: errorSchema, 403: errorSchema } } },
      async (request) => ({ payloads: (await codec[direction](request.body.payloads.map(toPayload))).map(toJson) }),
    );
  }
};
