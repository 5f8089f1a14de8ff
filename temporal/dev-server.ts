// Runs the `temporal` CLI's dev server as a child process, for `npm start` and the integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface DevServerOptions {
  /** The `temporal` CLI binary (scripts/tools.js finds the pinned one). */
  binary: string;
  port: number;
  /** Omit for a headless server. */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; omit for an in-memory server. */
  dbFile?: string;
  /** `PRAGMA=VALUE`s for that file; LATENCY_PRAGMAS unless given ([]: SQLite's own defaults). */
  sqlitePragmas?: readonly string[];
  namespace?: string;
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
  /**
   * Runs the server in a process group of its own, its pid kept in this file (npm start). A terminal's Ctrl-C then
   * reaches the launcher alone, which stops the server last, after the worker has handed back what it was running;
   * in the terminal's group the server died first and the draining worker retried its reports to it for ~20 s. A
   * server whose launcher was killed outright (no chance to stop it) is stopped by the next start, found by this file.
   */
  pidFile?: string;
}

/**
 * SQLite's defaults (a rollback journal, synchronous=FULL) sync the file to disk several times per transaction, and a
 * webhook's signal-with-start is a transaction: write-ahead logging with synchronous=NORMAL syncs at checkpoints only,
 * still losing nothing when the server process dies (only an OS crash can take the last transactions).
 */
export const LATENCY_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'] as const;

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error'];
  // Each tenant's tasks dispatched round-robin (contracts/fairness.ts), as a production server should be configured.
  // Fairness holds within a task queue partition: one partition each, which one server process needs no more than.
  for (const setting of ['matching.enableFairness=true', 'matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1']) {
    args.push('--dynamic-config-value', setting);
  }
  args.push('--namespace', options.namespace ?? 'default');
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFile) {
    args.push('--db-filename', options.dbFile);
    for (const pragma of options.sqlitePragmas ?? LATENCY_PRAGMAS) args.push('--sqlite-pragma', pragma);
  }
  for (const { name, type } of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=${type}`);

  if (options.pidFile) await stopLeftOver(options.pidFile, args);
  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: Boolean(options.pidFile) });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-4_000);
    options.onOutput?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const address = `127.0.0.1:${options.port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal server exited with code ${code}: ${output.trim()}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitUntilServing(address, options.readyTimeoutMs ?? 60_000), exited]);
  // Only once it serves: a server that failed to start must not take the place of one still left over.
  if (options.pidFile) writeFileSync(options.pidFile, String(child.pid));

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
    if (options.pidFile) rmSync(options.pidFile, { force: true });
  };
  const server: DevServer = { address, process: child, stop };
  if (options.uiPort) server.uiUrl = `http://localhost:${options.uiPort}`;
  return server;
}

/**
 * Stops the server a killed launcher left running, if the pid in the file is still that server: the same command line,
 * read from /proc (where there is no /proc, a left-over server is left alone and its port says so at start).
 */
async function stopLeftOver(pidFile: string, args: readonly string[]): Promise<void> {
  let pid: number;
  let commandLine: string;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // no file, or no such process
  }
  if (!Number.isInteger(pid) || pid <= 0 || commandLine.split('\0').slice(1, -1).join(' ') !== args.join(' ')) return;
  process.kill(pid, 'SIGTERM');
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  process.kill(pid, 'SIGKILL');
}

async function waitUntilServing(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}
