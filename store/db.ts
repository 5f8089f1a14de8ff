import { Pool, type PoolConfig } from 'pg';

export type Db = Pool;

export function createDb(connectionString: string, options: PoolConfig = {}): Db {
  const pool = new Pool({ connectionString, max: 10, idleTimeoutMillis: 30_000, ...options });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}
