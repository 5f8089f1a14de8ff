// Reads the event stream after a fault scenario: which events arrived, how many distinct (consumers de-duplicate by
// event id), and how many were delivered more than once.
import Redis from 'ioredis';

export interface StreamAudit {
  /** Distinct event ids per event type. */
  distinct: Map<string, Set<string>>;
  entries: number;
}

/** The id of the stream's newest entry now (`0-0` when empty): where a scenario's audit starts reading. */
export async function streamTail(redisUrl: string, streamKey: string): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    const [last] = await redis.xrevrange(streamKey, '+', '-', 'COUNT', 1);
    return last?.[0] ?? '0-0';
  } finally {
    redis.disconnect();
  }
}

export async function auditStream(redisUrl: string, streamKey: string, after: string): Promise<StreamAudit> {
  const redis = new Redis(redisUrl);
  const audit: StreamAudit = { distinct: new Map(), entries: 0 };
  try {
    for (let from = `(${after}`; ; ) {
      const batch = await redis.xrange(streamKey, from, '+', 'COUNT', 2_000);
      if (batch.length === 0) break;
      for (const [entryId, fields] of batch) {
        const id = fields[fields.indexOf('id') + 1]!;
        const type = fields[fields.indexOf('type') + 1]!;
        if (!audit.distinct.has(type)) audit.distinct.set(type, new Set());
        audit.distinct.get(type)!.add(id);
        audit.entries += 1;
        from = `(${entryId}`;
      }
    }
    return audit;
  } finally {
    redis.disconnect();
  }
}
