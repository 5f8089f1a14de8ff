// Outbound request pacing per provider account, shared by every worker process through Redis, in-process when
// Redis is not configured. GCRA (the generic cell rate algorithm, a leaky bucket kept as one timestamp per
// account): each call reserves the next slot atomically and waits exactly until it, so a burst goes out at once
// and the rest at the documented rate, with no polling.
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import { metrics } from '../observability/metrics';
import { redisClient, RedisPause } from '../store/redis';
import { rateLimited } from './errors';

/** A provider account's documented request pace. */
export interface Pace {
  perSecond: number;
  /** Requests the provider lets through at once before the pace applies (a leaky bucket's size). */
  burst?: number;
}

/**
 * KEYS[1]: the account's theoretical arrival time (ms). ARGV: interval ms, burst. Returns how long the caller waits.
 * Redis's own clock, so workers on hosts with skewed clocks still share one schedule.
 */
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - (burst - 1) * interval - now
if wait < 0 then wait = 0 end
redis.call('SET', KEYS[1], tat + interval, 'PX', tat + interval - now + 1000)
return wait`;

/** A single wait longer than this becomes a RateLimited retry rather than an activity sitting still. */
const MAX_WAIT_MS = 60_000;
const WAIT_SLICE_MS = 5_000;

export interface PaceWaiting {
  signal?: AbortSignal | undefined;
  /** Called while the caller waits (a heartbeat). */
  onWait?: () => void;
  maxWaitMs?: number;
}

type PacedRedis = Redis & { reserveSlot(key: string, intervalMs: number, burst: number): Promise<number> };

export class ProviderRateLimiter {
  private readonly redis?: PacedRedis;
  private readonly local = new Map<string, number>();
  private readonly redisPause = new RedisPause();
  private readonly prefix: string;

  constructor(options: { redisUrl?: string | undefined; keyPrefix?: string } = {}) {
    this.prefix = options.keyPrefix ?? '';
    if (options.redisUrl) {
      const redis = redisClient(options.redisUrl);
      redis.defineCommand('reserveSlot', { numberOfKeys: 1, lua: RESERVE_SLOT });
      this.redis = redis as PacedRedis;
    }
  }

  /**
   * Runs `call` when the account's pace allows. Without a burst: calls at least 1000/perSecond ms apart, 5% slower
   * than documented so that network jitter cannot squeeze one more into a provider's second. With a burst (Shopify:
   * 40, leaking 2/s): up to burst − 1 at once, one slot kept free for jitter, then 1% under the documented rate.
   */
  async schedule<T>(key: string, pace: Pace, call: () => Promise<T>, waiting: PaceWaiting = {}): Promise<T> {
    const bursty = (pace.burst ?? 1) > 1;
    const burst = bursty ? Math.floor(pace.burst!) - 1 : 1;
    const interval = Math.ceil((1000 / pace.perSecond) * (bursty ? 1.01 : 1.05));
    const wait = await this.reserve(`${this.prefix}pace:${key}`, interval, burst);
    const maxWaitMs = waiting.maxWaitMs ?? MAX_WAIT_MS;
    // Longer than one activity should sit still: Temporal waits instead, visibly, as a RateLimited retry.
    if (wait > maxWaitMs) throw rateLimited(`the account's request pace has no slot for ${Math.ceil(wait / 1000)} s`, wait);
    // In slices, so a waiting sync heartbeats (and is seen waiting) and a cancellation ends the wait.
    for (let left = wait; left > 0; left -= WAIT_SLICE_MS) {
      await sleep(Math.min(left, WAIT_SLICE_MS), undefined, waiting.signal ? { signal: waiting.signal } : {});
      waiting.onWait?.();
    }
    return call();
  }

  /**
   * The shared pace while Redis answers. Without it, this process paces on its own rather than stop every sync:
   * several workers may then go faster together than the account allows, which the provider answers with 429s that
   * are retried after its Retry-After.
   */
  private async reserve(key: string, interval: number, burst: number): Promise<number> {
    if (this.redis && !this.redisPause.active) {
      try {
        return Number(await this.redis.reserveSlot(key, interval, burst));
      } catch {
        this.redisPause.start();
      }
    }
    if (this.redis) metrics.paceFallbacks.inc();
    const now = Date.now();
    const tat = Math.max(this.local.get(key) ?? now, now);
    this.local.set(key, tat + interval);
    return Math.max(0, tat - (burst - 1) * interval - now);
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}

/**
 * One provider account of one tenant: the same shop, site, HubSpot portal or Salesforce org shares one pace across
 * that tenant's integrations. Tenants never share one, so no tenant's pace (or traffic) can slow another's syncs.
 */
export function rateLimitKey(tenantId: string, provider: string, config: Record<string, unknown>, credentials: Record<string, string>): string {
  const account = config.shopDomain ?? config.portalId ?? config.baseUrl ?? credentials.instanceUrl ?? config.instanceUrl ?? 'default';
  return `${tenantId}:${provider}:${String(account)}`;
}

/** A tenant's configured pace, within the provider's documented range (the API refuses what is outside it). */
export function clampPace(pace: Pace, max: Pace, min: number): Pace {
  const perSecond = Math.min(Math.max(pace.perSecond, min), max.perSecond);
  const burst = pace.burst === undefined ? undefined : Math.min(Math.max(1, Math.floor(pace.burst)), max.burst ?? 1);
  return burst === undefined ? { perSecond } : { perSecond, burst };
}
