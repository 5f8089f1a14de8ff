import type Redis from 'ioredis';
import { InboundRefusal, readInboundMessage, type InboundCheckDeps } from './inbound-message';

export interface InboundReplayResult {
  redelivered: string[];
  /** Still refused, with today's reason; they stay in the dead-letter stream. */
  refused: Array<{ id: string; reason: string }>;
}

/** The dead-letter entry's original message fields, without what dead-lettering added. */
function originalFields(fields: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] !== 'reason' && fields[i] !== 'messageId') out.push(fields[i]!, fields[i + 1]!);
  }
  return out;
}

/**
 * `npm run ops -- replay-inbound-dead-letters`: checks each dead-lettered inbound message again (a fixed tenant, a new
 * integration or connector since) and puts those that now pass back on the inbound stream, oldest first.
 */
export async function replayInboundDeadLetters(redis: Redis, stream: string, deps: InboundCheckDeps): Promise<InboundReplayResult> {
  const dead = `${stream}:dead`;
  const result: InboundReplayResult = { redelivered: [], refused: [] };
  let from = '-';
  for (;;) {
    const entries = (await redis.xrange(dead, from, '+', 'COUNT', 100)) as Array<[string, string[]]>;
    for (const [id, fields] of entries) {
      const original = originalFields(fields);
      try {
        await readInboundMessage(original, deps);
      } catch (err) {
        if (!(err instanceof InboundRefusal)) throw err;
        result.refused.push({ id, reason: err.message });
        continue;
      }
      // Re-added before it is deleted: a crash in between repeats a delivery, which starting a sync tolerates.
      await redis.xadd(stream, '*', ...original);
      await redis.xdel(dead, id);
      result.redelivered.push(id);
    }
    if (entries.length < 100) return result;
    from = `(${entries[entries.length - 1]![0]}`;
  }
}
