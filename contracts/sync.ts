// The integrationSync workflow's contract: input, signal, query and result shapes, shared by the workflow, the API and tests.
import { z } from 'zod';

export const syncTriggerSchema = z.enum(['schedule', 'webhook', 'manual', 'event']);
export const syncModeSchema = z.enum(['incremental', 'full_refresh']);

export const syncInputSchema = z
  .object({
    integrationId: z.string().min(1),
    tenantId: z.string().min(1),
    trigger: syncTriggerSchema,
    mode: syncModeSchema.default('incremental'),
    entityTypes: z.array(z.string().min(1)).min(1).optional(),
    filters: z.record(z.string(), z.unknown()).optional(),
    correlationId: z.string().min(1),
    /** Tuning for tests and operators; defaults suit production. */
    tuning: z
      .object({
        chunkMaxRecords: z.number().int().positive().optional(),
        chunkMaxMillis: z.number().int().positive().optional(),
        pageSize: z.number().int().positive().optional(),
        heartbeatTimeoutMs: z.number().int().positive().optional(),
        /** Continue-as-new after this many chunks in one run (besides Temporal's own suggestion). */
        chunksPerRun: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type SyncInput = z.input<typeof syncInputSchema>;
export type SyncTrigger = z.infer<typeof syncTriggerSchema>;
export type SyncMode = z.infer<typeof syncModeSchema>;

export interface SyncCounters {
  pagesFetched: number;
  recordsFetched: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  failed: number;
}

export const emptyCounters = (): SyncCounters => ({
  pagesFetched: 0,
  recordsFetched: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  rejected: 0,
  failed: 0,
});

export function addCounters(a: SyncCounters, b: SyncCounters): SyncCounters {
  return {
    pagesFetched: a.pagesFetched + b.pagesFetched,
    recordsFetched: a.recordsFetched + b.recordsFetched,
    created: a.created + b.created,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    rejected: a.rejected + b.rejected,
    failed: a.failed + b.failed,
  };
}

export type SyncStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** What `getSyncState` returns. */
export interface SyncState extends SyncCounters {
  status: SyncStatus;
  syncTaskId: string;
  trigger: SyncTrigger;
  mode: SyncMode;
  startedAt: string;
  finishedAt?: string;
  entityType: string | null;
  cursor: string | null;
  lastError?: string;
  pendingPasses: number;
  passes: number;
}

export interface RequestSyncInput {
  trigger?: SyncTrigger;
  entityType?: string;
  correlationId?: string;
}

export const SYNC_QUERY = 'getSyncState';
export const SYNC_SIGNAL = 'requestSync';

export const syncWorkflowId = (integrationId: string) => `sync:${integrationId}`;
