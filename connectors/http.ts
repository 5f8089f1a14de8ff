import type { ApplicationFailure } from '@temporalio/common';
import type { Response } from 'undici';
import { parseRetryAfter, providerFailure, providerRejected, providerUnavailable, describeError } from './errors';
import { outboundFetch, type OutboundInit, type OutboundPolicy } from './outbound';

export interface ProviderResponse<T> {
  body: T;
  headers: Headers;
}

/** GET/POST JSON from a provider; any non-2xx, timeout or network error becomes a typed ApplicationFailure. */
export interface RequestOptions extends Omit<OutboundInit, 'signal'> {
  signal?: AbortSignal | undefined;
  /** Where a request may go (connectors/outbound.ts). */
  policy: OutboundPolicy;
  timeoutMs?: number;
  /** A provider's own reading of an error answer (e.g. Salesforce's 403 REQUEST_LIMIT_EXCEEDED is a rate limit). */
  classify?: (status: number, body: string, retryAfterMs: number | undefined) => ApplicationFailure | undefined;
  /** Larger answers are refused rather than buffered (default 50 MB: no provider page is legitimately this big). */
  maxBytes?: number;
}

const MAX_RESPONSE_BYTES = 50 * 1024 * 1024;
/** Enough of an error answer to classify it and say what it was. */
const MAX_ERROR_BYTES = 64 * 1024;

export async function requestJson<T>(provider: string, url: string, init: RequestOptions): Promise<ProviderResponse<T>> {
  const timeout = AbortSignal.timeout(init.timeoutMs ?? 30_000);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const { policy, classify: _classify, maxBytes: _maxBytes, timeoutMs: _timeoutMs, ...request } = init;
  const response = await outboundFetch(provider, url, { ...request, signal }, policy);
  const maxBytes = init.maxBytes ?? MAX_RESPONSE_BYTES;
  if (!response.ok) {
    const text = await readBody(response, MAX_ERROR_BYTES).then((body) => body ?? '', () => '');
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    throw init.classify?.(response.status, text, retryAfterMs) ?? providerFailure(provider, response.status, text, retryAfterMs);
  }
  const text = await readBody(response, maxBytes).catch((err: unknown) => {
    throw providerUnavailable(`${provider} answer cut off: ${describeError(err)}`);
  });
  if (text === undefined) {
    throw providerRejected(`${provider} answered more than ${maxBytes} bytes`);
  }
  try {
    return { body: JSON.parse(text) as T, headers: response.headers };
  } catch {
    // A proxy's HTML error page or a truncated body; the next attempt may get the real answer.
    throw providerUnavailable(`${provider} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}

/**
 * The body as text, or undefined once it passes `limit` bytes, whatever the headers claim: a chunked answer has no
 * Content-Length, so the count is kept while reading and the connection dropped at the limit.
 */
async function readBody(response: Response, limit: number): Promise<string | undefined> {
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
