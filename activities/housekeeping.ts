import { Context } from '@temporalio/activity';
import { pruneDeliveries } from '../store/webhook-deliveries';
import type { ActivityDeps } from './deps';

export function createHousekeepingActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /**
     * Deletes webhook deliveries received before `receivedBefore`, in batches so no statement holds many row locks
     * or runs long; heartbeats between batches, so a retry after a dead worker just carries on.
     */
    async pruneWebhookDeliveries(input: { receivedBefore: string; batchSize: number }): Promise<number> {
      let deleted = 0;
      for (;;) {
        const batch = await pruneDeliveries(db, input.receivedBefore, input.batchSize);
        deleted += batch;
        Context.current().heartbeat(deleted);
        if (batch < input.batchSize) return deleted;
      }
    },
  };
}
