// Events waiting for Redis (events/spilling-bus.ts): appended in publish order, delivered oldest first per
// integration by one relay at a time (a transaction-scoped advisory lock is the lease), deleted once delivered.
import type { EventEnvelope } from '../events/envelope';
import { withTransaction, type Db } from './db';

export const orderKeyOf = (event: EventEnvelope) => event.integrationId ?? '';

export async function appendToOutbox(db: Db, events: readonly EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(`INSERT INTO event_outbox (order_key, event) SELECT * FROM unnest($1::text[], $2::text[])`, [events.map(orderKeyOf), events.map((e) => JSON.stringify(e))]);
}

/** Whether any of these order keys still has events waiting: then new ones queue behind them. */
export async function hasOutboxEvents(db: Db, orderKeys: readonly string[]): Promise<boolean> {
  // Prepared (planned once per connection): a sync asks twice per page.
  const { rows } = await db.query<{ waiting: boolean }>({
    name: 'has-outbox-events',
    text: `SELECT EXISTS (SELECT 1 FROM event_outbox WHERE order_key = ANY($1::text[])) AS waiting`,
    values: [orderKeys],
  });
  return rows[0]!.waiting;
}

/** Order keys with waiting events, the longest-waiting first. */
export async function outboxOrderKeys(db: Db, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ order_key: string }>(`SELECT order_key FROM event_outbox GROUP BY order_key ORDER BY min(id) LIMIT $1`, [limit]);
  return rows.map((r) => r.order_key);
}

/**
 * Hands up to `limit` of one order key's oldest events to `deliver` and deletes them once it resolves; 0 when
 * another relay holds that key or nothing waits. A failed delivery leaves them in place.
 */
export function deliverFromOutbox(db: Db, orderKey: string, limit: number, deliver: (events: EventEnvelope[]) => Promise<void>): Promise<number> {
  return withTransaction(db, async (tx) => {
    const { rows: locked } = await tx.query<{ held: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended('event_outbox:' || $1, 0)) AS held`, [orderKey]);
    if (!locked[0]!.held) return 0;
    const { rows } = await tx.query<{ id: string; event: string }>(`SELECT id, event FROM event_outbox WHERE order_key = $1 ORDER BY id LIMIT $2`, [orderKey, limit]);
    if (rows.length === 0) return 0;
    await deliver(rows.map((r) => JSON.parse(r.event) as EventEnvelope));
    await tx.query(`DELETE FROM event_outbox WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    return rows.length;
  });
}

/** How many events wait, and since when (for one integration, or all). */
export async function outboxBacklog(db: Db, integrationId?: string): Promise<{ events: number; oldestAt: Date | null }> {
  const { rows } = await db.query<{ events: string; oldest_at: Date | null }>(
    `SELECT count(*) AS events, min(created_at) AS oldest_at FROM event_outbox WHERE $1::text IS NULL OR order_key = $1`,
    [integrationId ?? null],
  );
  return { events: Number(rows[0]!.events), oldestAt: rows[0]!.oldest_at };
}
