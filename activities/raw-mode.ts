// Spec 000: a fetch of more than `batch_threshold` records goes out as `integration.data.raw.batch` events, a smaller
// one as single `integration.data.raw` events. The threshold is about the sync's size, not a provider's page size
// (WooCommerce and HubSpot never send more than 100 a page), and the size is known only once the fetch ends or passes
// the threshold: so the first pages are fetched ahead until one of the two, and handed back to be committed in order.
import type { FetchPageResult } from '../connectors/types';

export type RawMode = 'single' | 'batch';

/** Spec 000's rule, for a fetch of `records` in all. */
export const rawModeFor = (records: number, threshold: number): RawMode => (records > threshold ? 'batch' : 'single');

export interface RawModeProbe {
  mode: RawMode;
  /** Fetches that answer from the pages already fetched, then from the provider. */
  fetch(cursor: string | null): Promise<FetchPageResult>;
}

/**
 * Fetches from the first page (`start`: null, or a bulk export's first line) until more than `threshold` records or the
 * last page; at most one page past the threshold is held.
 */
export async function probeRawMode(fetch: (cursor: string | null) => Promise<FetchPageResult>, threshold: number, start: string | null = null): Promise<RawModeProbe> {
  const fetched = new Map<string | null, FetchPageResult>();
  let cursor: string | null = start;
  let records = 0;
  do {
    const page = await fetch(cursor);
    fetched.set(cursor, page);
    records += page.records.length;
    cursor = page.nextCursor;
  } while (cursor !== null && records <= threshold);
  return {
    mode: rawModeFor(records, threshold),
    fetch: (at) => {
      const page = fetched.get(at);
      if (!page) return fetch(at);
      fetched.delete(at);
      return Promise.resolve(page);
    },
  };
}
