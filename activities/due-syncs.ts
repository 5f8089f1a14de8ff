import { createEvent } from '../events/envelope';
import { claimDueIntegrations } from '../store/integrations';
import type { ActivityDeps } from './deps';

export interface DueIntegration {
  integrationId: string;
  tenantId: string;
}

export function createDueSyncActivities({ db, bus }: ActivityDeps) {
  return {
    /** The tick's event; its id derives from the tick time so a retried activity does not announce the tick twice. */
    async publishCheckDue(input: { timestamp: string }): Promise<void> {
      await bus.publish([createEvent('integration.sync.check_due', input, { idempotencyKey: input.timestamp })]);
    },

    /** Claims up to `limit` due integrations (see store/integrations.ts#claimDueIntegrations). */
    async claimDueIntegrations(input: { now: string; limit: number }): Promise<DueIntegration[]> {
      return claimDueIntegrations(db, input.now, input.limit);
    },
  };
}
