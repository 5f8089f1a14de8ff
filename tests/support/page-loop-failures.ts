// Run as its own Node process by tests/unit/page-loop.unit.test.ts with --unhandled-rejections=strict, the way a
// worker process treats one: jest's sandbox does not surface unhandled rejections to the test. Prints the loop's
// outcome and the pages committed; exits non-zero on an unhandled rejection.
import { runPageLoop, type PageLoop } from '../../activities/page-loop';
import type { FetchPageResult } from '../../connectors/types';

const page = (cursor: string | null): FetchPageResult => {
  const n = cursor === null ? 0 : Number(cursor);
  return { records: [{ externalId: String(n), data: {} }], nextCursor: String(n + 1) };
};

const scenarios: Record<string, (committed: Array<string | null>) => Omit<PageLoop, 'cursor' | 'maxRecords' | 'deadline'>> = {
  /** The commit fails while the page fetched ahead fails too. */
  'commit-fails': () => ({
    fetch: async (cursor) => {
      if (cursor !== null) throw new Error('provider down');
      return page(cursor);
    },
    commit: async () => {
      throw new Error('database down');
    },
  }),
  /** The read-ahead fails at once (Redis gone under the rate limiter), long before the current page is stored. */
  'read-ahead-fails': (committed) => ({
    fetch: async (cursor) => {
      if (cursor !== null) throw new Error('rate limiter unreachable');
      return page(cursor);
    },
    commit: async (_page, cursor) => {
      await new Promise((r) => setTimeout(r, 30));
      committed.push(cursor);
    },
  }),
};

const committed: Array<string | null> = [];
const scenario = scenarios[process.argv[2] ?? '']!;
runPageLoop({ cursor: null, maxRecords: Infinity, deadline: Infinity, ...scenario(committed) }).then(
  (result) => console.log(JSON.stringify({ result, committed })),
  (err: Error) => setTimeout(() => console.log(JSON.stringify({ error: err.message, committed })), 20),
);
