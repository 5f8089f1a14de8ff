// Shapes shared by several routes; each route's own params, bodies and responses live beside it.
import { z } from 'zod';

export const uuidParam = z.object({ id: z.string().min(1).max(100) }).strict();

export const integrationSchema = z.object({
  id: z.string(),
  provider: z.string(),
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  status: z.enum(['active', 'paused']),
  pauseReason: z.string().nullable(),
  syncIntervalSeconds: z.number(),
  nextSyncAt: z.string().nullable(),
  lastSync: z
    .object({
      status: z.string().nullable(),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
      counts: z.record(z.string(), z.number()).nullable(),
      error: z.string().nullable(),
    })
    .nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A body that may be left out entirely (no content, or JSON null): it reads as `{}`. */
export const optionalBody = <T extends z.ZodType>(schema: T) => z.preprocess((value) => value ?? {}, schema);
