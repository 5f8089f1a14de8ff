// Paging with one page of read-ahead: page N+1 is fetched while page N is stored and published. Pages still commit
// strictly in order, so a retry resumes after the last committed page; a page fetched ahead and never committed is
// simply fetched again.
import { providerRejected } from '../connectors/errors';
import type { FetchPageResult } from '../connectors/types';

export interface PageLoop {
  cursor: string | null;
  /** Stop fetching ahead once this many records were fetched, or after this time (epoch ms). */
  maxRecords: number;
  deadline: number;
  /** The clock the deadline is measured on (the activities' injected clock); Date.now when left out. */
  now?: () => number;
  fetch(cursor: string | null): Promise<FetchPageResult>;
  /** Stores and publishes one page; `cursor` is the one that fetched it. */
  commit(page: FetchPageResult, cursor: string | null): Promise<void>;
}

export async function runPageLoop(loop: PageLoop): Promise<{ cursor: string | null; done: boolean }> {
  let cursor = loop.cursor;
  let fetched = 0;
  // A read-ahead can fail while the current page still commits, before anything awaits it; marked handled at once
  // so that failure is thrown where the loop awaits it, not as an unhandled rejection that kills the worker.
  const fetchAhead = (at: string | null) => {
    const page = loop.fetch(at);
    page.catch(() => undefined);
    return page;
  };
  let next: Promise<FetchPageResult> | undefined = fetchAhead(cursor);
  while (next) {
    const page: FetchPageResult = await next;
    next = undefined;
    // A provider (or a hostile stand-in for one) that answers the cursor it was asked for would page for ever.
    if (page.nextCursor !== null && page.nextCursor === cursor) throw providerRejected('the provider answered the same page cursor it was asked for: paging would never end');
    fetched += page.records.length;
    if (page.nextCursor !== null && fetched < loop.maxRecords && (loop.now ?? Date.now)() < loop.deadline) next = fetchAhead(page.nextCursor);
    await loop.commit(page, cursor);
    cursor = page.nextCursor;
    if (cursor === null) return { cursor, done: true };
  }
  return { cursor, done: false };
}
