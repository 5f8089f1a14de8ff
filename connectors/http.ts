import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contracts/failures';
import { parseRetryAfter, providerFailure } from './errors';

export interface ProviderResponse<T> {
  body: T;
  headers: Headers;
}

/** GET/POST JSON from a provider; any non-2xx, timeout or network error becomes a typed ApplicationFailure. */
export interface RequestOptions extends RequestInit {
  timeoutMs?: number;
  /** A provider's own reading of an error answer (e.g. Salesforce's 403 REQUEST_LIMIT_EXCEEDED is a rate limit). */
  classify?: (status: number, body: string, retryAfterMs: number | undefined) => ApplicationFailure | undefined;
}

/** Larger answers are refused rather than buffered: no provider page is legitimately this big. */
const MAX_RESPONSE_BYTES = 50 * 1024 * 1024;

export async function requestJson<T>(provider: string, url: string, init: RequestOptions = {}): Promise<ProviderResponse<T>> {
  const timeout = AbortSignal.timeout(init.timeoutMs ?? 30_000);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw ApplicationFailure.create({
      type: FailureType.ProviderUnavailable,
      message: `${provider} unreachable: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
  if (Number(response.headers.get('content-length') ?? 0) > MAX_RESPONSE_BYTES) {
    throw ApplicationFailure.create({ type: FailureType.ProviderRejected, message: `${provider} answered more than ${MAX_RESPONSE_BYTES} bytes`, nonRetryable: true });
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    throw init.classify?.(response.status, text, retryAfterMs) ?? providerFailure(provider, response.status, text, retryAfterMs);
  }
  return { body: (await response.json()) as T, headers: response.headers };
}
