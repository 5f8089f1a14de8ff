// Webhook deliveries already accepted, by the provider's delivery id, so a redelivery starts nothing twice. Kept
// for as long as a provider may redeliver (WEBHOOK_DELIVERY_RETENTION), then pruned by the housekeeping schedule.
import type { Db } from './db';

/** True when this delivery of this integration is new; false when it was accepted before. */
export async function recordDelivery(db: Db, provider: string, deliveryId: string, integrationId: string): Promise<boolean> {
  const inserted = await db.query(`INSERT INTO webhook_deliveries (provider, delivery_id, integration_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [provider, deliveryId, integrationId]);
  return inserted.rowCount === 1;
}

/** Forgets a delivery that was not acted on, so the provider's retry of it is not dropped as a duplicate. */
export async function forgetDelivery(db: Db, integrationId: string, deliveryId: string): Promise<void> {
  await db.query(`DELETE FROM webhook_deliveries WHERE integration_id = $1 AND delivery_id = $2`, [integrationId, deliveryId]);
}

/** Deletes up to `limit` deliveries received before `before`, oldest first; returns how many. */
export async function pruneDeliveries(db: Db, before: string, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM webhook_deliveries WHERE ctid IN (
       SELECT ctid FROM webhook_deliveries WHERE received_at < $1 ORDER BY received_at LIMIT $2)`,
    [before, limit],
  );
  return rowCount ?? 0;
}
