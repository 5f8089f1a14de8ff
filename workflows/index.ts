export { checkDueSyncs } from './check-due-syncs';
export { getSyncStateQuery, integrationSync, requestSyncSignal } from './integration-sync';
