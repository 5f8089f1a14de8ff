// The recurring jobs as Temporal Schedules, so operators see, pause and trigger them in the UI's Schedules page.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { CheckDueSyncsInput } from '../workflows/check-due-syncs';
import type { HousekeepingInput } from '../workflows/housekeeping';
import type { TokenRefreshSweepInput } from '../workflows/token-refresh-sweep';

export const SYNC_CHECK_SCHEDULE_ID = 'integration-sync-check-due';
export const TOKEN_REFRESH_SCHEDULE_ID = 'integration-token-refresh';
export const HOUSEKEEPING_SCHEDULE_ID = 'integration-housekeeping';

export interface ScheduleSettings {
  taskQueue: string;
  syncCheckIntervalMs: number;
  tokenRefreshIntervalMs: number;
  tokenRefreshMarginMs: number;
  maxSyncStartsPerTick: number;
  housekeepingIntervalMs: number;
  webhookDeliveryRetentionMs: number;
}

export function scheduleSettingsFromEnv(env: {
  TASK_QUEUE: string;
  SYNC_CHECK_INTERVAL: number;
  TOKEN_REFRESH_INTERVAL: number;
  TOKEN_REFRESH_MARGIN: number;
  MAX_SYNC_STARTS_PER_TICK: number;
  HOUSEKEEPING_INTERVAL: number;
  WEBHOOK_DELIVERY_RETENTION: number;
}): ScheduleSettings {
  return {
    taskQueue: env.TASK_QUEUE,
    syncCheckIntervalMs: env.SYNC_CHECK_INTERVAL,
    tokenRefreshIntervalMs: env.TOKEN_REFRESH_INTERVAL,
    tokenRefreshMarginMs: env.TOKEN_REFRESH_MARGIN,
    maxSyncStartsPerTick: env.MAX_SYNC_STARTS_PER_TICK,
    housekeepingIntervalMs: env.HOUSEKEEPING_INTERVAL,
    webhookDeliveryRetentionMs: env.WEBHOOK_DELIVERY_RETENTION,
  };
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

function desiredSchedules(s: ScheduleSettings): ScheduleOptions[] {
  const checkDue: CheckDueSyncsInput = { maxStarts: s.maxSyncStartsPerTick };
  const sweep: TokenRefreshSweepInput = { intervalMs: s.tokenRefreshIntervalMs, marginMs: s.tokenRefreshMarginMs };
  const housekeeping: HousekeepingInput = { webhookDeliveryRetentionMs: s.webhookDeliveryRetentionMs };
  return [
    {
      scheduleId: SYNC_CHECK_SCHEDULE_ID,
      spec: { intervals: [{ every: s.syncCheckIntervalMs }] },
      action: { type: 'startWorkflow', workflowType: 'checkDueSyncs', workflowId: SYNC_CHECK_SCHEDULE_ID, taskQueue: s.taskQueue, args: [checkDue] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    },
    {
      scheduleId: TOKEN_REFRESH_SCHEDULE_ID,
      spec: { intervals: [{ every: s.tokenRefreshIntervalMs }] },
      action: { type: 'startWorkflow', workflowType: 'tokenRefreshSweep', workflowId: TOKEN_REFRESH_SCHEDULE_ID, taskQueue: s.taskQueue, args: [sweep] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    },
    {
      scheduleId: HOUSEKEEPING_SCHEDULE_ID,
      spec: { intervals: [{ every: s.housekeepingIntervalMs }] },
      action: { type: 'startWorkflow', workflowType: 'housekeeping', workflowId: HOUSEKEEPING_SCHEDULE_ID, taskQueue: s.taskQueue, args: [housekeeping] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    },
  ];
}

/** Creates each schedule, or updates it when its interval, queue or arguments changed; a second apply changes nothing. */
export async function applySchedules(client: Client, settings: ScheduleSettings): Promise<Record<string, ApplyOutcome>> {
  const outcomes: Record<string, ApplyOutcome> = {};
  for (const desired of desiredSchedules(settings)) {
    try {
      await client.schedule.create(desired);
      outcomes[desired.scheduleId] = 'created';
      continue;
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    const handle = client.schedule.getHandle(desired.scheduleId);
    const current = await handle.describe();
    const every = (desired.spec.intervals![0]!.every as number);
    const action = desired.action as { workflowType: string; taskQueue: string; args: unknown[] };
    const same =
      current.spec.intervals?.length === 1 &&
      current.spec.intervals[0]!.every === every &&
      current.action.workflowType === action.workflowType &&
      current.action.taskQueue === action.taskQueue &&
      JSON.stringify(current.action.args) === JSON.stringify(action.args) &&
      current.policies.overlap === ScheduleOverlapPolicy.SKIP;
    if (same) {
      outcomes[desired.scheduleId] = 'unchanged';
      continue;
    }
    await handle.update((previous) => ({ ...previous, spec: desired.spec, action: desired.action, policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP } }));
    outcomes[desired.scheduleId] = 'updated';
  }
  return outcomes;
}
