export { checkDueSyncs } from './check-due-syncs';
