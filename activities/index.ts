import type { ActivityDeps } from './deps';
import { createDueSyncActivities } from './due-syncs';
import { createHousekeepingActivities } from './housekeeping';
import { createSyncActivities } from './sync';
import { createTokenActivities } from './tokens';

export type { ActivityDeps } from './deps';

/** Every activity the workers register, built from their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDueSyncActivities(deps),
    ...createSyncActivities(deps),
    ...createTokenActivities(deps),
    ...createHousekeepingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
