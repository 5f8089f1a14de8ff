// What every connector's `config` schema is made of: checked at the door (POST/PATCH /integrations), so a typo is a
// 400 naming the field, not a failed first sync.
import { z } from 'zod';
import type { Pace } from './rate-limit';

export const urlField = z.url({ protocol: /^https?$/, message: 'expected an https:// URL' }).max(2000);

/** The provider's documented pace at most; at least one request per 10 s, so no wait is endless. */
export const MIN_PACE_PER_SECOND = 0.1;

/** rateLimitPerSecond / rateLimitBurst within the provider's documented range. */
export function paceFields(max: Required<Pace> | Pace) {
  return {
    rateLimitPerSecond: z.number().min(MIN_PACE_PER_SECOND).max(max.perSecond).optional(),
    rateLimitBurst: z.number().int().min(1).max(max.burst ?? 1).optional(),
  };
}

/** The fields every integration's config shares, with nothing else allowed. */
/** How often a connector with `reconcile` lists every record to find deletes no feed told of: 1 h to 90 days. */
export const reconcileEveryHoursField = z.number().int().min(1).max(24 * 90).optional();

export const configObject = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();
