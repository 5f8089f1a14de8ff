import Redis from 'ioredis';
import type { EventEnvelope } from '../../events/envelope';

/** Everything this test file's bus wrote to its stream, in order, copies included. */
export async function readStream(redisUrl: string, streamKey: string): Promise<EventEnvelope[]> {
  const redis = new Redis(redisUrl);
  try {
    const entries = await redis.xrange(streamKey, '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as EventEnvelope);
  } finally {
    redis.disconnect();
  }
}

/** What a consumer sees after dropping copies by event id. */
export function dedupe(events: EventEnvelope[]): EventEnvelope[] {
  return [...new Map(events.map((e) => [e.id, e])).values()];
}

export const ofType = (events: EventEnvelope[], type: string) => events.filter((e) => e.type === type);
