// The peer a Node team would otherwise pick: the same sync driven by BullMQ, one job per chunk, each job queueing
// the next with the cursor it reached. Run as a child process (`startBullmqWorker`); `runBullmqSync` drives one sync.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import Redis from 'ioredis';
import type { SyncTaskRef } from '../activities/sync-pipeline';
import { addCounters, DEFAULT_CHUNK_MAX_RECORDS, emptyCounters, type SyncCounters } from '../contracts/sync';
import { pipelineDeps, runPages, type PipelineEnv } from './raw-pipeline';

interface ChunkJob {
  ref: SyncTaskRef;
  entityType: string;
  cursor: string | null;
  chunkRecords: number;
  counters: SyncCounters;
}

const doneKey = (queue: string, syncTaskId: string) => `${queue}:done:${syncTaskId}`;
const redisFor = (url: string) => new Redis(url, { maxRetriesPerRequest: null });

export interface BullmqPeerEnv extends PipelineEnv {
  BULLMQ_QUEUE: string;
}

export function startBullmqWorker(env: BullmqPeerEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', __filename], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Queues the first chunk and waits until the last one says the sync is done. */
export async function runBullmqSync(env: BullmqPeerEnv, ref: SyncTaskRef, entityType: string, chunkRecords = DEFAULT_CHUNK_MAX_RECORDS, timeoutMs = 3_600_000): Promise<SyncCounters> {
  const connection = redisFor(env.REDIS_URL);
  const queue = new Queue<ChunkJob>(env.BULLMQ_QUEUE, { connection });
  try {
    await queue.add('chunk', { ref, entityType, cursor: null, chunkRecords, counters: emptyCounters() }, { attempts: 20, backoff: { type: 'exponential', delay: 1_000 } });
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(20)) {
      const done = await connection.get(doneKey(env.BULLMQ_QUEUE, ref.syncTaskId));
      if (done) return JSON.parse(done) as SyncCounters;
    }
    throw new Error(`BullMQ sync ${ref.syncTaskId} did not finish in ${timeoutMs} ms`);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

async function main(): Promise<void> {
  const env = process.env as unknown as BullmqPeerEnv;
  const deps = pipelineDeps(env);
  const connection = redisFor(env.REDIS_URL);
  const queue = new Queue<ChunkJob>(env.BULLMQ_QUEUE, { connection });
  const worker = new Worker<ChunkJob>(
    env.BULLMQ_QUEUE,
    async (job: Job<ChunkJob>) => {
      const { ref, entityType, chunkRecords } = job.data;
      const result = await runPages(deps, ref, entityType, job.data.cursor, chunkRecords);
      const counters = addCounters(job.data.counters, result.counters);
      if (result.done) await connection.set(doneKey(env.BULLMQ_QUEUE, ref.syncTaskId), JSON.stringify(counters));
      else await queue.add('chunk', { ...job.data, cursor: result.cursor, counters }, { attempts: 20, backoff: { type: 'exponential', delay: 1_000 } });
    },
    { connection: redisFor(env.REDIS_URL), concurrency: 1 },
  );
  process.stdout.write('bullmq worker started\n');
  process.once('SIGTERM', () => {
    void (async () => {
      await worker.close();
      await queue.close();
      connection.disconnect();
      await deps.close();
      process.exit(0);
    })();
  });
}

if (require.main === module) void main();
