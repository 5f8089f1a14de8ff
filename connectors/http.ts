import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contracts/failures';
import { parseRetryAfter, providerFailure } from './errors';

export interface ProviderResponse<T> {
  body: T;
  headers: Headers;
}

/** GET/POST JSON from a provider; any non-2xx, timeout or network error becomes a typed ApplicationFailure. */
export async function requestJson<T>(
  provider: string,
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<ProviderResponse<T>> {
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
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw providerFailure(provider, response.status, text, parseRetryAfter(response.headers.get('retry-after')));
  }
  return { body: (await response.json()) as T, headers: response.headers };
}
