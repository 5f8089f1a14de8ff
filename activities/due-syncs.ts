import { createEvent } from '../events/envelope';
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

    /**
     * Claims up to `limit` due integrations and moves their next sync forward by their interval plus up to 5% jitter,
     * so integrations created together drift apart. SKIP LOCKED lets two overlapping ticks share the work without waiting.
     */
    async claimDueIntegrations(input: { now: string; limit: number }): Promise<DueIntegration[]> {
      const { rows } = await db.query<{ id: string; tenant_id: string }>(
        `WITH due AS (
           SELECT id FROM integrations i
            WHERE status = 'active' AND next_sync_at <= $1
              -- A connection that needs a new authorisation cannot sync; it is due again once credentials arrive.
              AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.integration_id = i.id AND c.status = 'reauth_required')
            ORDER BY next_sync_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED)
         UPDATE integrations i
            SET next_sync_at = $1::timestamptz + make_interval(secs => i.sync_interval_seconds * (1 + random() * 0.05)),
                updated_at = now()
           FROM due
          WHERE i.id = due.id
      RETURNING i.id, i.tenant_id`,
        [input.now, input.limit],
      );
      return rows.map((r) => ({ integrationId: r.id, tenantId: r.tenant_id }));
    },
  };
}
