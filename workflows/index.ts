export { checkDueSyncs } from './check-due-syncs';
export { getSyncStateQuery, integrationSync, requestSyncSignal } from './integration-sync';
export { refreshConnection } from './refresh-connection';
export { tokenRefreshSweep } from './token-refresh-sweep';
export { replayDeadLetters } from './replay-dead-letters';
export { housekeeping } from './housekeeping';
