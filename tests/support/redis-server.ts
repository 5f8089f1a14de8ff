import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { findTool } from '../../scripts/tools';

export interface RedisServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** A throwaway redis-server on the given port: no persistence, loopback only. */
export async function startRedisServer(port: number, extraArgs: string[] = []): Promise<RedisServer> {
  const binary = findTool('redis-server');
  if (!binary) throw new Error('redis-server is not installed: run `node scripts/bootstrap.js test` first.');
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // not up yet: the failed connect() says so
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      break;
    } catch (err) {
      client.disconnect();
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on ${port}: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
