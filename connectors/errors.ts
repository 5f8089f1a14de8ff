import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contracts/failures';

/** Turns a provider answer into the typed failure the retry policies understand. */
export function providerFailure(provider: string, status: number, body: string, retryAfterMs?: number): ApplicationFailure {
  const detail = `${provider} answered ${status}: ${body.slice(0, 300)}`;
  if (status === 401 || status === 403) return ApplicationFailure.create({ type: FailureType.AuthExpired, message: detail, nonRetryable: true });
  if (status === 429) {
    return ApplicationFailure.create({
      type: FailureType.RateLimited,
      message: detail,
      ...(retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
    });
  }
  if (status >= 500) return ApplicationFailure.create({ type: FailureType.ProviderUnavailable, message: detail });
  return ApplicationFailure.create({ type: FailureType.ProviderRejected, message: detail, nonRetryable: true });
}

export function invalidConfig(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidConfig, message, nonRetryable: true });
}

/** Retry-After is seconds (possibly fractional, as Shopify sends "2.0") or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
