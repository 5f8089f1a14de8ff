import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runPageLoop } from '../../activities/page-loop';
import type { FetchPageResult } from '../../connectors/types';

const pages = (count: number, size = 10) => (cursor: string | null): FetchPageResult => {
  const n = cursor === null ? 0 : Number(cursor);
  return { records: Array.from({ length: size }, (_, i) => ({ externalId: `${n}-${i}`, data: {} })), nextCursor: n + 1 < count ? String(n + 1) : null };
};

describe('runPageLoop', () => {
  it('fetches the next page while the current one commits, and commits strictly in order', async () => {
    const log: string[] = [];
    const provider = pages(3);
    const result = await runPageLoop({
      cursor: null,
      maxRecords: Infinity,
      deadline: Infinity,
      fetch: async (cursor) => {
        log.push(`fetch ${cursor}`);
        return provider(cursor);
      },
      commit: async (_page, cursor) => {
        log.push(`commit ${cursor} start`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`commit ${cursor} end`);
      },
    });
    expect(result).toEqual({ cursor: null, done: true });
    expect(log).toEqual(['fetch null', 'fetch 1', 'commit null start', 'commit null end', 'fetch 2', 'commit 1 start', 'commit 1 end', 'commit 2 start', 'commit 2 end']);
  });

  it('refuses a provider that answers the cursor it was asked for, instead of paging for ever', async () => {
    let commits = 0;
    const loop = runPageLoop({
      cursor: null,
      maxRecords: Infinity,
      deadline: Infinity,
      fetch: async (cursor) => ({ records: [{ externalId: 'x', data: {} }], nextCursor: cursor ?? 'stuck' }),
      commit: async () => void (commits += 1),
    });
    await expect(loop).rejects.toMatchObject({ type: 'ProviderRejected', nonRetryable: true, message: expect.stringContaining('same page cursor') });
    expect(commits).toBe(1);
  });

  it('stops reading ahead at the record bound and reports where it stopped', async () => {
    const fetched: Array<string | null> = [];
    const provider = pages(10);
    const result = await runPageLoop({
      cursor: '2',
      maxRecords: 25,
      deadline: Infinity,
      fetch: async (cursor) => (fetched.push(cursor), provider(cursor)),
      commit: async () => undefined,
    });
    expect(fetched).toEqual(['2', '3', '4']);
    expect(result).toEqual({ cursor: '5', done: false });
  });

  /** The scenario of tests/support/page-loop-failures.ts in a process that dies on an unhandled rejection, as a worker would. */
  const runFailure = (scenario: string) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--unhandled-rejections=strict', path.join(__dirname, '../support/page-loop-failures.ts'), scenario], {
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    return JSON.parse(child.stdout) as { error?: string; committed: Array<string | null> };
  };

  it('a failed commit fails the loop and the page fetched ahead is dropped without an unhandled rejection', () => {
    expect(runFailure('commit-fails')).toEqual({ error: 'database down', committed: [] });
  });

  it('a read-ahead that fails while the current page still commits fails the loop after that commit, never unhandled', () => {
    expect(runFailure('read-ahead-fails')).toEqual({ error: 'rate limiter unreachable', committed: [null] });
  });
});
