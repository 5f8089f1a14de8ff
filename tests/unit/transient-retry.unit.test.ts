import { ApplicationFailure } from '@temporalio/common';
import { providerFailure } from '../../connectors/errors';
import { retryTransient } from '../../connectors/transient-retry';

const failingThen = (failures: ApplicationFailure[], value = 'page') => {
  let calls = 0;
  const call = async () => {
    const failure = failures[calls++];
    if (failure) throw failure;
    return value;
  };
  return { call, calls: () => calls };
};

describe('retryTransient', () => {
  it('retries 5xx and 429 answers inside the call, waiting what Retry-After says', async () => {
    const waits: number[] = [];
    const { call, calls } = failingThen([providerFailure('shopify', 503, 'down'), providerFailure('shopify', 429, 'slow down', 30)]);
    await expect(retryTransient(call, { baseDelayMs: 1, onRetry: (_err, ms) => waits.push(ms) })).resolves.toBe('page');
    expect(calls()).toBe(3);
    expect(waits[1]).toBe(30);
  });

  it('gives up after its attempts and hands the last failure on', async () => {
    const { call, calls } = failingThen(Array.from({ length: 10 }, () => providerFailure('shopify', 502, 'bad gateway')));
    await expect(retryTransient(call, { attempts: 3, baseDelayMs: 1 })).rejects.toThrow('bad gateway');
    expect(calls()).toBe(3);
  });

  it('never retries a non-retryable answer, nor waits longer than it may', async () => {
    const auth = failingThen([providerFailure('shopify', 401, 'token revoked')]);
    await expect(retryTransient(auth.call)).rejects.toThrow('token revoked');
    expect(auth.calls()).toBe(1);
    const longWait = failingThen([providerFailure('shopify', 429, 'come back in a minute', 60_000)]);
    await expect(retryTransient(longWait.call, { maxDelayMs: 1_000 })).rejects.toThrow('come back in a minute');
    expect(longWait.calls()).toBe(1);
  });
});
