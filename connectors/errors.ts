import { ApplicationFailure } from '@temporalio/common';
import { FailureType, NON_RETRYABLE_FAILURES } from '../contracts/failures';

/** The one way to make a typed failure: whether it is retried follows from its type (NON_RETRYABLE_FAILURES). */
function failure(type: FailureType, message: string, options: { nextRetryDelay?: number | undefined } = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: NON_RETRYABLE_FAILURES.includes(type),
    // A zero delay ends the activity's retries instead of retrying at once (seen with Shopify's THROTTLED): none is given.
    ...(options.nextRetryDelay !== undefined && options.nextRetryDelay > 0 ? { nextRetryDelay: options.nextRetryDelay } : {}),
  });
}

export const authExpired = (message: string) => failure(FailureType.AuthExpired, message);
/** Temporal waits `retryAfterMs` (the provider's Retry-After) before the next attempt. */
export const rateLimited = (message: string, retryAfterMs?: number) => failure(FailureType.RateLimited, message, { nextRetryDelay: retryAfterMs });
export const providerUnavailable = (message: string) => failure(FailureType.ProviderUnavailable, message);
export const providerRejected = (message: string) => failure(FailureType.ProviderRejected, message);
export const invalidGrant = (message: string) => failure(FailureType.InvalidGrant, message);
export const invalidConfig = (message: string) => failure(FailureType.InvalidConfig, message);

export const describeError = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Turns a provider answer into the typed failure the retry policies understand. */
export function providerFailure(provider: string, status: number, body: string, retryAfterMs?: number): ApplicationFailure {
  const detail = `${provider} answered ${status}: ${body.slice(0, 300)}`;
  if (status === 401 || status === 403) return authExpired(detail);
  if (status === 429) return rateLimited(detail, retryAfterMs);
  if (status >= 500) return providerUnavailable(detail);
  return providerRejected(detail);
}

/** Retry-After is seconds (possibly fractional, as Shopify sends "2.0") or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
