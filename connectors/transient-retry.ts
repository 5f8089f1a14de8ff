// A page that fails with a transient answer (429, 5xx, timeout) is tried again a few times inside the activity,
// honouring Retry-After, before the failure goes to Temporal's retry policy: a flaky provider then costs a second or
// two per bad answer, not an activity retry with growing backoff.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, msOptionalToNumber } from '@temporalio/common';

export interface TransientRetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each wait (an activity heartbeats here). */
  onRetry?: (err: ApplicationFailure, delayMs: number) => void;
}

export async function retryTransient<T>(call: () => Promise<T>, options: TransientRetryOptions = {}): Promise<T> {
  const { attempts = 5, baseDelayMs = 200, maxDelayMs = 10_000 } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApplicationFailure) || err.nonRetryable || attempt >= attempts || options.signal?.aborted) throw err;
      // The provider's Retry-After wins; one longer than we would wait here is Temporal's to honour.
      const retryAfterMs = msOptionalToNumber(err.nextRetryDelay);
      if (retryAfterMs !== undefined && retryAfterMs > maxDelayMs) throw err;
      // Full jitter, so workers hitting one provider do not retry in step.
      const delayMs = retryAfterMs ?? Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
      options.onRetry?.(err, delayMs);
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
}
