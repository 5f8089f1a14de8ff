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

const REDIS_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * The pace in force: the configured one (ARGV[1] interval ms, ARGV[2] burst), or what the provider last said of its
 * own bucket (KEYS[2]: "interval burst") where that is slower: a shop on a smaller plan than configured is believed.
 */
const EFFECTIVE_PACE = `
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local learned = redis.call('GET', KEYS[2])
if learned then
  local li, lb = string.match(learned, '([%d%.]+) ([%d%.]+)')
  if tonumber(li) > interval then interval = tonumber(li) end
  if tonumber(lb) < burst then burst = tonumber(lb) end
end`;

/**
 * KEYS[1]: the account's theoretical arrival time (ms); KEYS[2] as above. ARGV: interval ms, burst, cost (units taken
 * at once). Returns how long the caller waits. Redis's own clock, so workers on hosts with skewed clocks still share one
 * schedule.
 */
const RESERVE_SLOT = `${REDIS_NOW}${EFFECTIVE_PACE}
local cost = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat + (cost - burst) * interval - now
if wait < 0 then wait = 0 end
redis.call('SET', KEYS[1], tat + cost * interval, 'PX', math.ceil(tat + cost * interval - now + 1000))
return wait`;

/**
 * KEYS and ARGV[1..2] as above; ARGV[3]: units handed back (taken but not used), ARGV[4]: units the provider says are
 * in use (-1: not said), ARGV[5..6]: the provider's own bucket as interval and burst (-1: not said), kept for an hour.
 * The schedule moves back by what was not used and forward to what the provider reports, never behind now.
 */
const SETTLE = `${REDIS_NOW}
if tonumber(ARGV[5]) > 0 then redis.call('SET', KEYS[2], ARGV[5] .. ' ' .. ARGV[6], 'EX', 3600) end${EFFECTIVE_PACE}
local unused = tonumber(ARGV[3])
local used = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) - unused * interval
if used >= 0 and tat < now + used * interval then tat = now + used * interval end
if tat < now then tat = now end
redis.call('SET', KEYS[1], tat, 'PX', math.ceil(tat - now + 1000))
return 0`;

/** A single wait longer than this becomes a RateLimited retry rather than an activity sitting still. */
const MAX_WAIT_MS = 60_000;
const WAIT_SLICE_MS = 5_000;

export interface PaceWaiting {
  signal?: AbortSignal | undefined;
  /** Called while the caller waits (a heartbeat). */
  onWait?: () => void;
  maxWaitMs?: number;
}

/** What a provider said of its bucket after a call (Shopify's GraphQL `extensions.cost`). */
export interface PaceReport {
  /** Units taken for the call that it did not use (requested − actual query cost). */
  unused: number;
  /** Units the provider counts as in use right now (maximumAvailable − currentlyAvailable), when it says. */
  inUse?: number;
  /** The provider's own bucket (restoreRate, maximumAvailable), when it says: paced by where it is slower than configured. */
  limit?: Pace;
}

type PacedRedis = Redis & {
  reserveSlot(key: string, learnedKey: string, intervalMs: number, burst: number, cost: number): Promise<number>;
  settlePace(key: string, learnedKey: string, intervalMs: number, burst: number, unused: number, inUse: number, learnedInterval: number, learnedBurst: number): Promise<number>;
};

interface Gcra {
  interval: number;
  burst: number;
}

/** GCRA's interval per unit and usable burst for a pace (see `schedule`). */
function gcra(pace: Pace): Gcra {
  const bursty = (pace.burst ?? 1) > 1;
  return {
    burst: bursty ? Math.floor(pace.burst!) - 1 : 1,
    interval: (1000 / pace.perSecond) * (bursty ? 1.01 : 1.05),
  };
}

export class ProviderRateLimiter {
  private readonly redis?: PacedRedis;
  private readonly local = new Map<string, number>();
  private readonly localLearned = new Map<string, Gcra>();
  private readonly redisPause = new RedisPause();
  private readonly prefix: string;

  constructor(options: { redisUrl?: string | undefined; keyPrefix?: string } = {}) {
    this.prefix = options.keyPrefix ?? '';
    if (options.redisUrl) {
      const redis = redisClient(options.redisUrl);
      redis.defineCommand('reserveSlot', { numberOfKeys: 2, lua: RESERVE_SLOT });
      redis.defineCommand('settlePace', { numberOfKeys: 2, lua: SETTLE });
      this.redis = redis as PacedRedis;
    }
  }

  /**
   * Runs `call` when the account's pace allows. Without a burst: calls at least 1000/perSecond ms apart, 5% slower
   * than documented so that network jitter cannot squeeze one more into a provider's second. With a burst (Shopify:
   * 40, leaking 2/s): up to burst − 1 at once, one slot kept free for jitter, then 1% under the documented rate.
   * `cost` units are taken at once (Shopify GraphQL: the query's requested cost in points of a 2,000-point bucket).
   */
  async schedule<T>(key: string, pace: Pace, call: () => Promise<T>, waiting: PaceWaiting & { cost?: number } = {}): Promise<T> {
    const wait = await this.reserve(key, gcra(pace), Math.max(1, waiting.cost ?? 1));
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
  private async reserve(key: string, pace: Gcra, cost: number): Promise<number> {
    const keys = this.keys(key);
    if (this.redis && !this.redisPause.active) {
      try {
        return Number(await this.redis.reserveSlot(keys.tat, keys.learned, pace.interval, pace.burst, cost));
      } catch {
        this.redisPause.start();
      }
    }
    if (this.redis) metrics.paceFallbacks.inc();
    const { interval, burst } = this.effective(keys.learned, pace);
    const now = Date.now();
    const tat = Math.max(this.local.get(keys.tat) ?? now, now);
    this.local.set(keys.tat, tat + cost * interval);
    return Math.max(0, tat + (cost - burst) * interval - now);
  }

  /**
   * After a call: hands back what it did not use, believes the provider when it counts more in use than we do, and
   * paces by the provider's own bucket where it is slower than the configured one (a shop on a smaller plan).
   */
  async settle(key: string, pace: Pace, report: PaceReport): Promise<void> {
    const keys = this.keys(key);
    const configured = gcra(pace);
    const learned = report.limit ? gcra(report.limit) : undefined;
    const inUse = report.inUse === undefined ? -1 : Math.max(0, report.inUse);
    const unused = Math.max(0, report.unused);
    if (this.redis && !this.redisPause.active) {
      try {
        await this.redis.settlePace(keys.tat, keys.learned, configured.interval, configured.burst, unused, inUse, learned?.interval ?? -1, learned?.burst ?? -1);
        return;
      } catch {
        this.redisPause.start();
      }
    }
    if (learned) this.localLearned.set(keys.learned, learned);
    const { interval } = this.effective(keys.learned, configured);
    const now = Date.now();
    let tat = (this.local.get(keys.tat) ?? now) - unused * interval;
    if (inUse >= 0) tat = Math.max(tat, now + inUse * interval);
    this.local.set(keys.tat, Math.max(tat, now));
  }

  private keys(key: string) {
    return { tat: `${this.prefix}pace:${key}`, learned: `${this.prefix}pace:${key}:provider` };
  }

  /** EFFECTIVE_PACE's rule, for the per-process fallback. */
  private effective(learnedKey: string, configured: Gcra): Gcra {
    const learned = this.localLearned.get(learnedKey);
    return learned ? { interval: Math.max(configured.interval, learned.interval), burst: Math.min(configured.burst, learned.burst) } : configured;
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
